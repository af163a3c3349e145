// Package notify sends e-mail: daily to-do digests, replies to applicants,
// event reminders.
//
// Message is one e-mail; Message.Encode renders it per RFC 5322 (UTF-8,
// RFC 2047 encoded-words for Chinese subjects and display names,
// quoted-printable or base64 bodies, multipart/alternative with HTML) after
// validating it (net/mail addresses, no header injection, size limits).
//
// Mailer sends one message; SMTPMailer (NewSMTP) does so in a real SMTP
// conversation: STARTTLS (required when configured), implicit TLS or plain
// for a local relay, AUTH PLAIN or LOGIN never in the clear except to
// loopback. Its errors say whether retrying may help (IsTemporary): 4xx
// replies and network failures are temporary, 5xx replies permanent.
//
// Capabilities do not call a Mailer directly. They call Queue inside the
// transaction of the change that causes the mail; Queue writes an outbox row
// and a jobs.Scheduler job in that transaction, so mail goes out if and only
// if the change commits. Register (wired in internal/app on every instance)
// sends queued messages and records the outcome on the row: sent, retried
// with backoff on temporary failures, failed on permanent ones or after the
// last attempt. ListOutbox and Get serve the console; Retry queues a failed
// message again.
//
// When no SMTP server is configured (no --smtp-host), messages are still
// queued and are not lost: they stay in the outbox with status queued and
// last_error "未配置邮件服务器" (ErrNotConfigured), which ListOutbox shows
// to the console; Register also logs a warning at start and for each such
// message. After mail is configured and the instances restarted, the
// ResumeSchedule periodic job sends them within ResumeInterval.
//
// Tests hold real SMTP conversations with package smtptest, an in-process
// SMTP server; there is no mock mailer.
package notify
