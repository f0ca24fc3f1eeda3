package stream

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnOptions say how to reach and authenticate to a NATS server, with the
// options NATS users know from the nats CLI. At most one of Creds, NKey,
// User and Token may be set.
type ConnOptions struct {
	URL            string // nats://HOST:PORT (comma-separated for a cluster); tls:// for TLS
	Name           string // connection name shown by the server's monitoring
	Creds          string // user credentials file (JWT + NKey seed), as nsc writes
	NKey           string // NKey seed file
	User, Password string
	Token          string
	TLSCA          string // CA certificate file to verify the server
	TLSCert        string // client certificate file (mutual TLS)
	TLSKey         string // client key file
	TLSFirst       bool   // TLS handshake before the NATS protocol (servers with handshake_first)
	Timeout        time.Duration
	Log            *slog.Logger
}

// Validate checks that the options make sense together.
func (o ConnOptions) Validate() error {
	n := 0
	for _, s := range []string{o.Creds, o.NKey, o.User, o.Token} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return errors.New("give at most one of --creds, --nkey, --user and --token")
	}
	if o.Password != "" && o.User == "" {
		return errors.New("--password needs --user")
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	return nil
}

// Connect connects to NATS. The connection reconnects forever after a
// disconnection (logged), so workers ride out server restarts.
func Connect(o ConnOptions) (*nats.Conn, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from NATS", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("reconnected to NATS", "server", nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				msgs, bytes, _ := sub.PendingLimits()
				log.Warn("NATS error", "err", err, "subject", sub.Subject, "pending_limit_msgs", msgs, "pending_limit_bytes", bytes)
				return
			}
			log.Warn("NATS error", "err", err)
		}),
	}
	if o.Timeout > 0 {
		opts = append(opts, nats.Timeout(o.Timeout))
	}
	switch {
	case o.Creds != "":
		opts = append(opts, nats.UserCredentials(o.Creds))
	case o.NKey != "":
		opt, err := nats.NkeyOptionFromSeed(o.NKey)
		if err != nil {
			return nil, fmt.Errorf("--nkey: %w", err)
		}
		opts = append(opts, opt)
	case o.User != "":
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	case o.Token != "":
		opts = append(opts, nats.Token(o.Token))
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	if o.TLSCert != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	if o.TLSFirst {
		opts = append(opts, nats.TLSHandshakeFirst())
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", RedactURL(o.URL), err)
	}
	return nc, nil
}

// RedactURL hides passwords and tokens in server URLs for logs.
func RedactURL(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			continue
		}
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		} else {
			u.User = url.User("xxxxx")
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
