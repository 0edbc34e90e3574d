package cli

import "path/filepath"

// cacheEnv is the environment of an in-process gatehouse that keeps its
// cache, apply lock files included, under dir.
func cacheEnv(dir string) func(string) string {
	return func(k string) string {
		if k == "GATEHOUSE_CACHE_DIR" {
			return filepath.Join(dir, "cache")
		}
		return ""
	}
}
