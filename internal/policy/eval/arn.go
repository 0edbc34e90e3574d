package eval

import (
	"strings"
)

// ARN fields after "arn": partition, service, region, account, and the
// resource part (which keeps its colons).
const (
	fieldPartition = iota
	fieldService
	fieldRegion
	fieldAccount
	fieldResource
	arnFields
)

// splitARN splits s at its first five colons. ok is false unless s has six
// fields and starts with "arn".
func splitARN(s string) (f [arnFields]string, ok bool) {
	rest, found := strings.CutPrefix(s, "arn:")
	if !found {
		return f, false
	}
	for i := 0; i < fieldResource; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return f, false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	f[fieldResource] = rest
	return f, true
}

// resourceKind classifies a policy Resource/NotResource value.
type resourceKind uint8

const (
	resourceInvalid resourceKind = iota // neither "*" nor an ARN: matches nothing
	resourceAll                         // "*"
	resourceARN
)

// resourceValue is one compiled Resource or NotResource value. Partition,
// service, region and account are lower-cased (AWS compares them without
// case); the resource part keeps its case. A field holding a policy
// variable keeps its template, resolved at evaluation.
type resourceValue struct {
	kind   resourceKind
	fields [arnFields]glob
	tmpl   [arnFields]template // non-nil where the field has a variable
	vars   bool
}

// compileResource reads one value; variables says whether the policy's
// Version resolves policy variables.
func compileResource(s string, variables bool) resourceValue {
	if s == "*" {
		return resourceValue{kind: resourceAll}
	}
	variables = variables && strings.Contains(s, "${")
	var parts []string
	if variables {
		parts = splitOutsideVars(s, ':', arnFields+1)
	} else {
		parts = strings.SplitN(s, ":", arnFields+1)
	}
	if !strings.EqualFold(parts[0], "arn") || len(parts) < 2 {
		return resourceValue{}
	}
	parts = parts[1:]
	if len(parts) < arnFields {
		// arn:aws:s3:* reads as arn:aws:s3:*:*:*: a trailing '*' reaches
		// across the colons of the missing fields.
		if !strings.HasSuffix(parts[len(parts)-1], "*") {
			return resourceValue{}
		}
		for len(parts) < arnFields {
			parts = append(parts, "*")
		}
	}
	v := resourceValue{kind: resourceARN}
	for i, p := range parts {
		fold := i != fieldResource
		if variables {
			t, hasVar := parseTemplate(p)
			if hasVar {
				v.tmpl[i], v.vars = t, true
				continue
			}
			v.fields[i] = t.staticGlob()
		} else {
			v.fields[i] = compileGlob(p)
		}
		if fold {
			v.fields[i] = v.fields[i].lower()
		}
	}
	return v
}

// field returns field i of v for this request: its glob, or why it has
// none (a variable never matching, or unknown).
func (e *evaluator) field(v *resourceValue, i int) (glob, tri) {
	if v.tmpl[i] == nil {
		return v.fields[i], triTrue
	}
	g, res, why := e.ctx.resolveGlob(v.tmpl[i], i != fieldResource)
	switch res {
	case resolvedNever:
		return glob{}, triFalse
	case resolvedUnknown:
		return glob{}, e.unknown(why)
	}
	return g, triTrue
}

// fieldOrder compares the fields that differ most between resources
// first, so that most values fail on their first comparison.
var fieldOrder = [arnFields]int{fieldService, fieldResource, fieldAccount, fieldRegion, fieldPartition}

// matchResource matches v against the literal request resource.
func (e *evaluator) matchResource(v *resourceValue) tri {
	switch {
	case v.kind == resourceAll:
		return triTrue
	case v.kind == resourceInvalid || !e.req.resourceIsARN:
		return triFalse
	}
	if !v.vars {
		for _, i := range fieldOrder {
			if !v.fields[i].match(e.req.resourceFields[i]) {
				return triFalse
			}
		}
		return triTrue
	}
	out := triTrue
	for _, i := range fieldOrder {
		g, ok := e.field(v, i)
		if ok.isTrue() && !g.match(e.req.resourceFields[i]) {
			return triFalse
		}
		out = and(out, ok)
		if out.isFalse() {
			return out
		}
	}
	return out
}

// patternRelation computes overlap (some resource matches both v and the
// request's pattern) or cover (every resource matching the pattern
// matches v), field by field.
func (e *evaluator) patternRelation(v *resourceValue, cover bool) tri {
	switch {
	case v.kind == resourceAll:
		return triTrue
	case e.req.patternAll:
		// Everything overlaps "*"; only "*" covers it.
		return triOf(!cover)
	case v.kind == resourceInvalid:
		return triFalse
	}
	out := triTrue
	for i := range arnFields {
		g, ok := e.field(v, i)
		if ok.isTrue() {
			var r bool
			if cover {
				r = covers(g, e.req.patternFields[i])
			} else {
				r = overlaps(g, e.req.patternFields[i])
			}
			if !r {
				return triFalse
			}
		}
		out = and(out, ok)
		if out.isFalse() {
			return out
		}
	}
	return out
}
