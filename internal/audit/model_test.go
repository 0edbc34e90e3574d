package audit

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/model"
)

// TestFromModelConsultancy audits the consultancy example offline: every
// row comes from the model (managed), hop sessions into client accounts are
// chained, and AWSReservedSSO ARNs end in "*".
func TestFromModelConsultancy(t *testing.T) {
	t.Parallel()
	m, err := model.Load(filepath.Join("..", "..", "examples", "consultancy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := FromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(in, Filter{})
	if rep.Source != "model" || len(rep.Access) == 0 {
		t.Fatalf("report source %q with %d rows, want model rows", rep.Source, len(rep.Access))
	}
	var hops int
	for _, r := range rep.Access {
		if !r.Managed {
			t.Errorf("row not managed in a model-only audit: %+v", r)
		}
		if strings.Contains(r.RoleARN, "AWSReservedSSO_") && !strings.HasSuffix(r.RoleARN, "_*") {
			t.Errorf("AWSReservedSSO role ARN %s does not end in *", r.RoleARN)
		}
		if strings.Contains(r.RoleARN, ":role/gatehouse-") {
			hops++
			if !r.Chained {
				t.Errorf("hop into %s not marked chained: %+v", r.RoleARN, r)
			}
		}
	}
	if hops == 0 {
		t.Error("no row reaches a client account's hop role")
	}
}
