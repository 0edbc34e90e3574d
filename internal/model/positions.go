package model

import (
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml/ast"
)

// maxIndexed bounds the position index, so that aliases that multiply a
// document ("billion laughs") cannot exhaust memory.
const maxIndexed = 100_000

// index records in out the position of every mapping entry and list item
// under n, keyed by its path (see Model.Positions). Scalars and flow lists
// are recorded where their value starts, mappings and block lists where
// their key is; the first position recorded for a path wins.
func (d *decoder) index(n ast.Node, path string, out map[string]Pos, depth int) {
	if depth > 64 || len(out) >= maxIndexed {
		return
	}
	n = d.quietResolve(n)
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			d.indexEntry(mv, path, out, depth)
		}
	case *ast.MappingValueNode:
		d.indexEntry(v, path, out, depth)
	case *ast.SequenceNode:
		for i, item := range v.Values {
			p := path + "[" + strconv.Itoa(i) + "]"
			d.record(out, p, d.pos(item))
			d.index(item, p, out, depth+1)
		}
	}
}

func (d *decoder) indexEntry(mv *ast.MappingValueNode, path string, out map[string]Pos, depth int) {
	if mv == nil || mv.Key == nil {
		return
	}
	if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
		d.index(mv.Value, path, out, depth+1)
		return
	}
	key, ok := keyString(d.quietResolve(mv.Key))
	if !ok {
		return
	}
	p := key
	if path != "" {
		p = path + "." + key
	}
	at := d.pos(mv.Key)
	if val := d.quietResolve(mv.Value); inline(val) {
		if vp := d.pos(val); vp.Line > 0 {
			at = vp
		}
	}
	d.record(out, p, at)
	d.index(mv.Value, p, out, depth+1)
}

func (d *decoder) record(out map[string]Pos, path string, p Pos) {
	if p.Line == 0 {
		return
	}
	if _, ok := out[path]; !ok {
		out[path] = p
	}
}

// inline reports whether a value is best pointed at where it starts (a
// scalar or a flow list) rather than at its key.
func inline(n ast.Node) bool {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return false
	case *ast.MappingNode:
		// An entity such as `prod: { id: ... }` is pointed at by its name.
		return false
	case *ast.SequenceNode:
		return v.IsFlowStyle
	case *ast.MappingValueNode:
		return false
	case ast.ScalarNode:
		return true
	default:
		return false
	}
}

// quietResolve follows anchors, tags and aliases like resolve, without
// reporting anything: decoding has reported what is wrong already.
func (d *decoder) quietResolve(n ast.Node) ast.Node {
	for i := 0; i < 32 && n != nil; i++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.String()
			}
			target, ok := d.anchors[name]
			if !ok {
				return nil
			}
			n = target
		default:
			return n
		}
	}
	return n
}

// keyString returns a mapping key as the name it stands for.
func keyString(kn ast.Node) (string, bool) {
	sc, ok := kn.(ast.ScalarNode)
	if !ok || kn == nil {
		return "", false
	}
	if s, isStr := kn.(*ast.StringNode); isStr {
		return s.Value, true
	}
	return fmt.Sprint(sc.GetValue()), true
}
