package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
)

// extractArticle finds an HTML page's main article with readability and
// returns its title and plain text.
func extractArticle(r io.Reader, pageURL *url.URL) (title, text string, err error) {
	p := readability.NewParser()
	p.MaxElemsToParse = 200_000 // hostile pages: bounded work
	a, err := p.Parse(r, pageURL)
	if err != nil {
		return "", "", err
	}
	if a.Node == nil {
		return "", "", errors.New("no readable content")
	}
	var b strings.Builder
	if err := a.RenderText(&b); err != nil {
		return "", "", err
	}
	text = strings.TrimSpace(b.String())
	if text == "" {
		return "", "", errors.New("no readable content")
	}
	return a.Title(), text, nil
}

// FetchOptions allow {"url": …} requests. Fetching is off unless these are
// given; private, loopback and link-local addresses are refused unless
// AllowPrivate is set (a server must not become a proxy into its network).
type FetchOptions struct {
	AllowPrivate bool
	MaxBytes     int64         // per page, default 2 MiB
	Timeout      time.Duration // per page, and for all the pages of one request; default 10 s
	MaxRedirects int           // default 3
	// MaxPerRequest bounds the URL documents of one batch (default 16).
	MaxPerRequest int
	client        *http.Client
}

// withDefaults returns a copy with defaults filled in and its HTTP client
// built, once, before any request can use it concurrently.
func (f FetchOptions) withDefaults() FetchOptions {
	if f.MaxBytes <= 0 {
		f.MaxBytes = 2 << 20
	}
	if f.Timeout <= 0 {
		f.Timeout = 10 * time.Second
	}
	if f.MaxRedirects <= 0 {
		f.MaxRedirects = 3
	}
	if f.MaxPerRequest <= 0 {
		f.MaxPerRequest = 16
	}
	allowPrivate := f.AllowPrivate
	dialer := &net.Dialer{
		Timeout: f.Timeout,
		// The check runs on the resolved address of every connection,
		// redirects included, so DNS tricks cannot reach a private host.
		Control: func(network, address string, _ syscall.RawConn) error {
			if allowPrivate {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if a := ap.Addr().Unmap(); !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
				return fmt.Errorf("refusing to fetch from %s: not a public address", a)
			}
			return nil
		},
	}
	maxRedirects := f.MaxRedirects
	f.client = &http.Client{
		Timeout:   f.Timeout,
		Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil, MaxResponseHeaderBytes: 64 << 10},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			return nil
		},
	}
	return f
}

func (f *FetchOptions) fetchArticle(ctx context.Context, raw string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", errorf(http.StatusBadRequest, "invalid_url", "%q is not an http(s) URL", raw)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", "", errorf(http.StatusBadRequest, "invalid_url", "%v", err)
	}
	req.Header.Set("User-Agent", "credence (+news credibility classifier)")
	resp, err := f.client.Do(req)
	if err != nil {
		return "", "", errorf(http.StatusBadGateway, "fetch_failed", "%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", "", errorf(http.StatusBadGateway, "fetch_failed", "%s answered %s", u.Host, resp.Status)
	}
	body := io.LimitReader(resp.Body, f.MaxBytes+1)
	data, err := io.ReadAll(body)
	if err != nil {
		return "", "", errorf(http.StatusBadGateway, "fetch_failed", "%v", err)
	}
	if int64(len(data)) > f.MaxBytes {
		return "", "", errorf(http.StatusBadGateway, "page_too_large", "the page is larger than %d bytes", f.MaxBytes)
	}
	title, text, err := extractArticle(strings.NewReader(string(data)), resp.Request.URL)
	if err != nil {
		return "", "", errorf(http.StatusUnprocessableEntity, "no_article", "could not find an article at %s: %v", u, err)
	}
	return title, text, nil
}
