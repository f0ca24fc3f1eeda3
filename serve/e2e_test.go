package serve_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/credence-news/credence/model/defaultmodel"
	"github.com/credence-news/credence/serve"
)

const chromiumPath = "/usr/bin/chromium"

const sampleTitle = "Senate passes infrastructure bill after months of negotiation"

const sampleText = `WASHINGTON (Reuters) - The U.S. Senate on Tuesday passed a $1 trillion infrastructure bill, sending the measure to the House of Representatives after months of negotiations between Democrats and Republicans.

The bill, which passed 69-30, would fund roads, bridges, airports and broadband internet. Nineteen Republicans joined all 50 Democrats in voting for it, a rare show of bipartisan support.

"This is a historic investment," Senate Majority Leader Chuck Schumer told reporters after the vote. Minority Leader Mitch McConnell, who voted in favor, said the package was "a compromise that both sides can live with."

The House is expected to take up the measure next month, though progressive lawmakers have said they will not vote for it until the Senate also passes a larger spending package. The White House said President Joe Biden would sign the bill as soon as it reached his desk.`

// The HTML-file path: a page with navigation around the article, which the
// server's readability extraction should drop.
const samplePage = `<!doctype html>
<html><head><meta charset="utf-8"><title>SHOCKING: What they don't want you to know | TruthDaily</title></head>
<body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/shop">Shop</a></nav>
<article>
<h1>SHOCKING: What they don’t want you to know</h1>
<p>The mainstream media will never tell you this, but insiders are finally exposing the truth about the globalist elites who have been secretly controlling everything behind the scenes for decades.</p>
<p>Share this before it gets deleted! Patriots everywhere are waking up to the massive cover-up, and the deep state is terrified. You won’t believe what happened next when one brave whistleblower spoke out.</p>
<p>Wake up, people! The evidence is everywhere if you just open your eyes. They lied to you about everything and now the real story is coming out.</p>
</article>
<footer>© TruthDaily — all rights reserved</footer>
</body></html>`

// TestWebPageEndToEnd drives the page at / in a real headless Chromium:
// paste an article, check it, read the verdict, highlights and model card;
// then the same through an uploaded .html file; then an error.
func TestWebPageEndToEnd(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("skipping the browser test: %s not found (apt-get install chromium): %v", chromiumPath, err)
	}
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}

	srv, err := serve.New(serve.Options{
		Load:   defaultmodel.Load,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	modelID := srv.Model().Card.ID

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()

	// Any JavaScript exception or console error on the page fails the test.
	var mu sync.Mutex
	var jsErrors []string
	listen := func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			jsErrors = append(jsErrors, msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				jsErrors = append(jsErrors, "console.error: "+strings.Join(parts, " "))
			}
		}
	}
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf), chromedp.WithListener(listen))
	defer cancelBrowser()
	// Start the browser on bctx itself: the first Do binds the browser's life
	// to its context, and the steps below run with shorter timeouts.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}

	checkJS := func(stage string) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if len(jsErrors) > 0 {
			t.Fatalf("%s: JavaScript errors on the page:\n%s", stage, strings.Join(jsErrors, "\n"))
		}
	}
	do := func(stage string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, step := range steps {
			sctx, cancel := context.WithTimeout(bctx, 15*time.Second)
			err := chromedp.Do(sctx, step)
			cancel()
			if err != nil {
				t.Fatalf("%s, step %d: %v", stage, i+1, err)
			}
		}
		checkJS(stage)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
		if err != nil {
			t.Fatalf("count %s: %v", sel, err)
		}
		return n
	}
	verdicts := map[string]bool{"Likely unreliable": true, "Likely reliable": true, "Uncertain": true}

	// 1. Pasted text.
	do("paste and check",
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("check")),
		// The model card loads on its own.
		chromedp.Poll[chromedp.Void](`document.getElementById("model-id") !== null`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.SendKeys(chromedp.ID("title"), sampleTitle),
		chromedp.SetValue(chromedp.ID("text"), sampleText),
		chromedp.Click(chromedp.ID("check")),
		chromedp.WaitVisible(chromedp.ID("result")),
	)
	verdict := text("#verdict")
	meaning := text("#meaning")
	highlighted := count("#highlight .tok[class*='tok--']")
	toFake, toReal := count("#features-fake .feature"), count("#features-real .feature")
	t.Logf("pasted article: verdict %q; %d highlighted words; %d+%d signals", verdict, highlighted, toFake, toReal)
	if !verdicts[verdict] {
		t.Errorf("verdict %q is not one of Likely unreliable, Likely reliable, Uncertain", verdict)
	}
	if highlighted == 0 {
		t.Error("no highlighted words in the analyzed text")
	}
	if toFake+toReal == 0 {
		t.Error("no signals listed either way")
	}
	if !strings.Contains(meaning, "probability of fake") || !strings.Contains(meaning, "not facts") {
		t.Errorf("the explanation of the probability is missing or changed: %q", meaning)
	}
	// The title is shown apart from the body, so the byte offsets were
	// mapped to the right characters.
	if got := strings.TrimSpace(text(".highlight__title")); got != sampleTitle {
		t.Errorf("highlighted title = %q, want %q", got, sampleTitle)
	}

	// The model card, opened.
	do("open the model card",
		chromedp.Click(chromedp.CSS("#model-details > summary")),
		chromedp.WaitVisible(chromedp.ID("model-id")),
	)
	summary, cardText := text("#model-summary"), text("#model-card")
	if !strings.Contains(summary, modelID) || !strings.Contains(cardText, modelID) {
		t.Errorf("model card does not show the model id %s: summary %q", modelID, summary)
	}
	for _, want := range []string{"Limits", "held-out", "Training data", "sources it has not seen"} {
		if !strings.Contains(cardText, want) {
			t.Errorf("model card lacks %q", want)
		}
	}

	dir := os.Getenv("CREDENCE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	screenshot := func(name string) {
		t.Helper()
		// From the top, as a reader first sees the page.
		do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	screenshot("credence-ui.png")

	// 2. An uploaded .html file: the server extracts the article.
	page := filepath.Join(t.TempDir(), "truthdaily.html")
	if err := os.WriteFile(page, []byte(samplePage), 0o644); err != nil {
		t.Fatal(err)
	}
	do("upload html and check",
		chromedp.Click(chromedp.ID("reset")),
		chromedp.WaitNotVisible(chromedp.ID("result")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{page}),
		chromedp.WaitVisible(chromedp.ID("file-chip")),
		chromedp.Click(chromedp.ID("check")),
		chromedp.WaitVisible(chromedp.ID("result")),
	)
	fileVerdict, note, shown := text("#verdict"), text("#source-note"), text("#highlight")
	t.Logf("uploaded page: verdict %q; %s", fileVerdict, note)
	if !verdicts[fileVerdict] {
		t.Errorf("verdict %q for the uploaded page is not one of the three", fileVerdict)
	}
	if !strings.Contains(note, "truthdaily.html") {
		t.Errorf("source note %q does not name the uploaded file", note)
	}
	if !strings.Contains(shown, "whistleblower") || strings.Contains(shown, "all rights reserved") {
		t.Errorf("the extracted article looks wrong: %q", shown)
	}
	screenshot("credence-ui-html.png")

	// 3. Errors from the API are shown: a page with no article in it.
	empty := filepath.Join(t.TempDir(), "empty.html")
	if err := os.WriteFile(empty, []byte("<html><body></body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	do("api error",
		chromedp.Click(chromedp.ID("file-clear")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{empty}),
		chromedp.WaitVisible(chromedp.ID("file-chip")),
		chromedp.Click(chromedp.ID("check")),
		chromedp.WaitVisible(chromedp.ID("error")),
	)
	if msg := text("#error-message"); !strings.Contains(strings.ToLower(msg), "could not find an article") {
		t.Errorf("error message = %q, want the server's message", msg)
	}
	disabled, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.getElementById("check").disabled`))
	if err != nil {
		t.Fatal(err)
	}
	if disabled {
		t.Error("the Check button stays disabled after an error")
	}
}
