package trust

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/state"
	"github.com/google/go-cmp/cmp"
)

func exactTrust(arns ...string) string {
	doc := `{"Version":"2012-10-17","Statement":[`
	for i, a := range arns {
		if i > 0 {
			doc += ","
		}
		doc += `{"Effect":"Allow","Principal":{"AWS":"` + a + `"},"Action":"sts:AssumeRole"}`
	}
	return doc + "]}"
}

func TestExactPrincipals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"role with path", exactTrust("arn:aws:iam::111111111111:role/ops/deep/Deploy"), []string{"111111111111/Deploy"}},
		{"root and user are not roles", exactTrust("arn:aws:iam::111111111111:root", "arn:aws:iam::111111111111:user/alice"), nil},
		{"condition ARNs are not principals", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole",
			"Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/X"}}}]}`, nil},
		{"list of principals, duplicates once", `{"Version":"2012-10-17","Statement":{"Effect":"Allow",
			"Principal":{"AWS":["arn:aws:iam::222222222222:role/B","arn:aws:iam::111111111111:role/A","arn:aws:iam::222222222222:role/B"]},
			"Action":"sts:AssumeRole"}}`, []string{"111111111111/A", "222222222222/B"}},
		{"URL-encoded as GetRole returns it", url.QueryEscape(exactTrust("arn:aws:iam::111111111111:role/A")), []string{"111111111111/A"}},
		{"wildcard principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, nil},
		{"service principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExactPrincipals(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ExactPrincipals() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		docs      map[string]string
		want      []string
		wantCycle []string
	}{
		{
			name: "independent roles by key",
			docs: map[string]string{
				"2/B": exactTrust("arn:aws:iam::999999999999:root"),
				"1/A": exactTrust("arn:aws:iam::999999999999:root"),
			},
			want: []string{"1/A", "2/B"},
		},
		{
			name: "chain comes out trusted first",
			docs: map[string]string{
				"111111111111/A": exactTrust("arn:aws:iam::222222222222:role/B"),
				"222222222222/B": exactTrust("arn:aws:iam::333333333333:role/C"),
				"333333333333/C": exactTrust("arn:aws:iam::111111111111:root"),
			},
			want: []string{"333333333333/C", "222222222222/B", "111111111111/A"},
		},
		{
			name: "diamond",
			docs: map[string]string{
				"111111111111/Top":   exactTrust("arn:aws:iam::111111111111:role/Left", "arn:aws:iam::111111111111:role/Right"),
				"111111111111/Left":  exactTrust("arn:aws:iam::111111111111:role/Base"),
				"111111111111/Right": exactTrust("arn:aws:iam::111111111111:role/Base"),
				"111111111111/Base":  exactTrust("arn:aws:iam::111111111111:root"),
			},
			want: []string{"111111111111/Base", "111111111111/Left", "111111111111/Right", "111111111111/Top"},
		},
		{
			name: "a role outside the set is not waited for",
			docs: map[string]string{
				"111111111111/A": exactTrust("arn:aws:iam::555555555555:role/Elsewhere"),
			},
			want: []string{"111111111111/A"},
		},
		{
			name: "cycle of two beside a free role",
			docs: map[string]string{
				"111111111111/A": exactTrust("arn:aws:iam::222222222222:role/B"),
				"222222222222/B": exactTrust("arn:aws:iam::111111111111:role/A"),
				"333333333333/C": exactTrust("arn:aws:iam::111111111111:root"),
			},
			wantCycle: []string{"111111111111/A", "222222222222/B"},
		},
		{
			name: "cycle reached through a tail",
			docs: map[string]string{
				"1/A":            exactTrust("arn:aws:iam::222222222222:role/B"),
				"222222222222/B": exactTrust("arn:aws:iam::333333333333:role/C"),
				"333333333333/C": exactTrust("arn:aws:iam::222222222222:role/B"),
			},
			wantCycle: []string{"222222222222/B", "333333333333/C"},
		},
		{
			name:      "self",
			docs:      map[string]string{"111111111111/A": exactTrust("arn:aws:iam::111111111111:role/A")},
			wantCycle: []string{"111111111111/A"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CreateOrder(tt.docs)
			if tt.wantCycle != nil {
				var ce *CycleError
				if !errors.As(err, &ce) {
					t.Fatalf("CreateOrder() = %v, %v; want a cycle", got, err)
				}
				if diff := cmp.Diff(tt.wantCycle, ce.Keys); diff != "" {
					t.Errorf("cycle mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CreateOrder() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateOrderBadDocument(t *testing.T) {
	t.Parallel()
	_, err := CreateOrder(map[string]string{"1/A": "{not json"})
	if err == nil || !strings.Contains(err.Error(), "reading the trust policy of role 1/A") {
		t.Fatalf("CreateOrder() error = %v, want one naming the role", err)
	}
}

func TestCycleErrorMessage(t *testing.T) {
	t.Parallel()
	err := &CycleError{Keys: []string{"1/A", "2/B"}}
	want := "roles trust each other by exact ARN in a cycle (1/A trusts 2/B trusts 1/A), so none can be created first"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func BenchmarkCreateOrder(b *testing.B) {
	// 3,000 accounts, each with a role trusting one role in the hub: the
	// shape of a large organization using seed 000's pattern.
	docs := map[string]string{"100000000000/Hub": exactTrust("arn:aws:iam::100000000000:root")}
	for i := range 3000 {
		docs[state.RoleKey(accountN(i), "Access")] = exactTrust("arn:aws:iam::100000000000:role/Hub")
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := CreateOrder(docs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(docs)), "roles")
}

func accountN(i int) string {
	s := "200000000000"
	n := []byte(s)
	for j := len(n) - 1; i > 0; j-- {
		n[j] = byte('0' + i%10)
		i /= 10
	}
	return string(n)
}
