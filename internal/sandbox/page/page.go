// Package page renders the sandbox front's few HTML pages (sign-in, device
// approval, access portal, console stand-in) from one template, with the
// headers every one of them needs.
package page

import (
	"html/template"
	"net/http"
)

// Data fills the page template.
type Data struct {
	Title    string
	Message  string // a notice (e.g. "Request approved")
	Error    string
	Form     bool   // show the sign-in form
	Action   string // form target
	Device   bool   // the device page: its script sends the form as JSON
	UserCode string // device page
	Client   string // the application asking
	UserName string
	Hidden   map[string]string // authorize page: the request's parameters
}

// The device form is sent by its script as JSON (POST /device accepts
// nothing else, so that no other web page can post it); the authorize form
// is an ordinary form, since its answer is a redirect to the client.
var tmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · gatehouse sandbox</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#16191f}
h1{font-size:1.4rem} label{display:block;margin:.8rem 0 .2rem} input{width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}
.code{font-family:monospace;font-size:1.6rem;letter-spacing:.15rem} .err{color:#b00020} .ok{color:#1d8102}
button{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem} small{color:#5f6b7a}
</style></head><body>
<h1 id="title">{{.Title}}</h1>
{{if .Error}}<p class="err" id="error">{{.Error}}</p>{{end}}
{{if .Message}}<p class="ok" id="message">{{.Message}}</p>{{end}}
{{if .Form}}
<form id="signin" method="post" action="{{.Action}}">
{{if .Client}}<p><b>{{.Client}}</b> asks for access to your AWS accounts.</p>{{end}}
{{if .Hidden}}{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}{{else}}
<label for="user_code">Code shown by your command line</label>
<input id="user_code" name="user_code" class="code" value="{{.UserCode}}" autocomplete="off">{{end}}
<label for="username">Username (an Identity Store user)</label>
<input id="username" name="username" value="{{.UserName}}" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<small>Every sandbox user's password is the sandbox password (default: sandbox).</small><br>
<button id="allow" name="decision" value="allow" type="submit">Allow access</button>
<button id="deny" name="decision" value="deny" type="submit">Deny</button>
</form>
{{if .Device}}
<noscript><p class="err">This page needs JavaScript. From a terminal: gatehouse-sandbox approve CODE --user NAME</p></noscript>
<script>
(function () {
  var form = document.getElementById("signin");
  function show(id, cls, text) {
    ["error", "message"].forEach(function (old) {
      var el = document.getElementById(old);
      if (el) { el.remove(); }
    });
    var p = document.createElement("p");
    p.id = id;
    p.className = cls;
    p.textContent = text;
    document.getElementById("title").after(p);
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var decision = ev.submitter && ev.submitter.value === "deny" ? "deny" : "allow";
    var body = JSON.stringify({
      userCode: form.elements.user_code.value,
      userName: form.elements.username.value,
      password: form.elements.password.value,
      decision: decision
    });
    fetch(form.action, {method: "POST", headers: {"Content-Type": "application/json"}, body: body, credentials: "omit"})
      .then(function (resp) { return resp.json(); })
      .then(function (out) {
        if (out.error) {
          form.elements.password.value = "";
          show("error", "err", out.error);
          return;
        }
        document.getElementById("title").textContent = out.title;
        document.title = out.title + " · gatehouse sandbox";
        form.remove();
        show("message", "ok", out.message);
      })
      .catch(function (err) { show("error", "err", "The sandbox did not answer: " + err); });
  });
})();
</script>
{{end}}
{{end}}
<p><small>gatehouse sandbox: a local stand-in for AWS IAM Identity Center.</small></p>
</body></html>
`))

// Render writes the page. Pages are never cached nor framed (a framing page
// could trick a click on Allow).
func Render(w http.ResponseWriter, status int, d Data) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	return tmpl.Execute(w, d)
}
