// Package recipes runs the shell recipes of the README and docs/: every
// fenced ```sh block marked with an HTML comment `<!-- recipe: NAME -->` on
// the line before it is run, as a user would paste it, against freshly
// built binaries on PATH, in a throwaway home and working directory where
// examples/ is the repository's. A recipe that starts the sandbox must stop
// it; the test stops whatever is left by the PIDs the sandbox recorded.
// So the docs' marked recipes cannot rot: when one stops working, this test
// fails naming the file and the recipe.
package recipes
