// Package mail is Depot's outbox. Mail is stored in the transaction of the
// change that causes it and delivered afterwards by Deliver, over SMTP when
// configured; without SMTP it stays in the outbox, readable by operators and
// tests.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"net/smtp"
	"strings"
	"time"

	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/mailmessage"
)

// Message is one mail.
type Message struct {
	To      string
	Subject string
	Body    string
	// Kind tags the message for tests and operators (verify_email, reset_password, invoice, dunning).
	Kind string
}

// Enqueue stores m in the outbox as part of tx.
func Enqueue(ctx context.Context, tx *ent.Tx, m Message) error {
	err := tx.MailMessage.Create().SetTo(m.To).SetSubject(m.Subject).SetBody(m.Body).SetKind(m.Kind).Exec(ctx)
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	return nil
}

// SMTP is an SMTP relay configuration.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// Deliver sends unsent mail over SMTP every interval until ctx ends.
func Deliver(ctx context.Context, db *ent.Client, cfg SMTP, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := deliverOnce(ctx, db, cfg); err != nil && ctx.Err() == nil {
			log.Warn("mail delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func deliverOnce(ctx context.Context, db *ent.Client, cfg SMTP) error {
	msgs, err := db.MailMessage.Query().Where(mailmessage.SentAtIsNil(), mailmessage.AttemptsLT(10)).Limit(50).All(ctx)
	if err != nil {
		return err
	}
	host, _, _ := strings.Cut(cfg.Addr, ":")
	var auth smtp.Auth
	if cfg.Username != "" {
		auth = smtp.PlainAuth("", cfg.Username, cfg.Password, host)
	}
	for _, m := range msgs {
		body := "From: " + cfg.From + "\r\nTo: " + m.To + "\r\nSubject: " + m.Subject +
			"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + m.Body
		upd := db.MailMessage.UpdateOne(m).AddAttempts(1)
		if err := smtp.SendMail(cfg.Addr, auth, cfg.From, []string{m.To}, []byte(body)); err != nil {
			upd.SetLastError(err.Error())
		} else {
			upd.SetSentAt(time.Now())
		}
		if err := upd.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
