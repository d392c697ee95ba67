using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Messages;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailAdmin.Client;

/// <summary>
/// Sends messages over one SMTP session (Send-SmtpMessage's engine): the message's bytes as
/// they are, Bcc and Resent-Bcc headers left out; refused recipients collected while the
/// others get the message; transient failures (4xx, a lost connection) retried after a
/// wait, reconnecting when the server hung up, for just the recipients still waiting.
/// </summary>
public sealed class SmtpMessageSender
{
    /// <summary>
    /// CRLF line ends (SMTP's), and the headers MailKit leaves out of what it transmits:
    /// Bcc, Resent-Bcc and an mbox's Content-Length.
    /// </summary>
    private static readonly FormatOptions WireFormat = CreateWireFormat();

    private readonly SmtpClientSession _session;
    private readonly SmtpRetryPolicy _retry;
    private readonly DeliveryStatusNotification? _notify;

    /// <param name="session">An SMTP session from <see cref="MailClientConnector"/>.</param>
    /// <param name="retry">When to try again.</param>
    /// <param name="notify">Send-MailMessage's -DeliveryNotificationOption: the DSN NOTIFY asked for each recipient when the server has DSN.</param>
    public SmtpMessageSender(SmtpClientSession session, SmtpRetryPolicy retry, System.Net.Mail.DeliveryNotificationOptions notify)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _retry = retry ?? throw new ArgumentNullException(nameof(retry));
        _notify = SmtpSendEnvelope.ToNotify(notify);
    }

    private string ServerLabel => $"{_session.Server}:{_session.Port}";

    /// <summary>
    /// Sends <paramref name="message"/> to the envelope's recipients. Never throws for what
    /// the server says: the outcome carries the result, the refusals and any failure.
    /// <paramref name="listener"/> hears the protocol lines and the retry notes (-Verbose).
    /// </summary>
    public async Task<SmtpSendOutcome> SendAsync(MailMessage message, SmtpSendEnvelope envelope, Action<string>? listener, CancellationToken cancellationToken)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        if (envelope == null) throw new ArgumentNullException(nameof(envelope));

        var clock = Stopwatch.StartNew();
        var pending = envelope.Recipients.ToList();
        var accepted = new List<string>();
        var refused = new List<SmtpRefusedRecipient>();
        var lastTransient = new Dictionary<string, SmtpRefusedRecipient>(StringComparer.OrdinalIgnoreCase);
        string? reply = null;
        MailClientException? failure = null;
        var attempts = 0;

        while (true)
        {
            attempts++;
            MailClientException? transient = null;
            Attempt attempt;
            try
            {
                if (!_session.IsConnected)
                    await _session.ReconnectAsync(listener, cancellationToken).ConfigureAwait(false);
                var recipients = pending.ToList();
                attempt = await _session.UseAsync(token => TransactAsync(message, envelope.Sender, recipients, token), listener, cancellationToken).ConfigureAwait(false);
            }
            catch (MailClientException ex)
            {
                attempt = new Attempt(null, null, ex);
            }

            var tx = attempt.Transaction;
            var allRefused = tx != null && tx.SenderAccepted && tx.Accepted.Count == 0 && tx.Refused.Count > 0 && tx.Refused.Count >= pending.Count;
            if (attempt.Error == null || allRefused)
            {
                if (attempt.Error == null)
                {
                    accepted.AddRange(tx!.Accepted.Select(m => m.Address));
                    reply = attempt.Reply;
                }
                pending = SortRefusals(tx!.Refused, pending, refused, lastTransient);
            }
            else
            {
                // The transaction failed as a whole: nobody got the message this time. Recipients
                // refused for good stay refused; the rest wait for the next attempt, if any.
                if (tx != null && tx.SenderAccepted)
                {
                    var permanent = tx.Refused.Where(r => !r.IsTransient).ToList();
                    refused.AddRange(permanent);
                    pending = pending.Where(p => !permanent.Any(r => SameAddress(r.Address, p.Address))).ToList();
                }
                if (SmtpRetryPolicy.IsTransient(attempt.Error))
                    transient = attempt.Error;
                else
                {
                    failure = attempt.Error;
                    break;
                }
            }

            if (pending.Count == 0) break;
            if (attempts > _retry.RetryCount)
            {
                if (transient != null) failure = transient;
                else
                    foreach (var waiting in pending)
                        refused.Add(lastTransient.TryGetValue(waiting.Address, out var last) ? last : new SmtpRefusedRecipient(waiting.Address, 451, "not accepted"));
                break;
            }

            var delay = _retry.DelayBefore(attempts);
            var why = transient != null ? transient.Message : string.Join("; ", pending.Select(p => lastTransient.TryGetValue(p.Address, out var r) ? $"{r.Address}: {r.ReplyCode} {r.Reply}" : p.Address));
            listener?.Invoke($"Transient failure ({why}); retrying {pending.Count} recipient(s) in {delay.TotalSeconds:0.#} s ({attempts} of {_retry.RetryCount}).");
            await _retry.Wait(delay, cancellationToken).ConfigureAwait(false);
        }

        clock.Stop();
        // Some recipients already have the message: the failure of a later attempt is theirs
        // alone (they count as refused with its reply), not the message's.
        if (failure != null && accepted.Count > 0)
        {
            foreach (var waiting in pending.Where(p => !refused.Any(r => SameAddress(r.Address, p.Address))))
                refused.Add(new SmtpRefusedRecipient(waiting.Address, failure.ReplyCode ?? 0, failure.ServerReply ?? failure.Message));
            failure = null;
        }

        var nothingSent = accepted.Count == 0;
        var refusals = refused.Select(r => new SmtpRefusal(r, RefusalError(r, nothingSent && failure == null, attempts))).ToList();
        var result = nothingSent ? null : new SmtpSendResult(message.MessageId, message.Subject, envelope.Sender.Address,
            accepted.ToArray(), refused.ToArray(), reply, clock.Elapsed, attempts, ServerLabel);
        return new SmtpSendOutcome(result, refusals, failure);
    }

    /// <summary>Refused recipients go to <paramref name="refused"/> (5xx) or wait for a retry (4xx, returned).</summary>
    private static List<MailboxAddress> SortRefusals(List<SmtpRefusedRecipient> answers, List<MailboxAddress> pending, List<SmtpRefusedRecipient> refused, Dictionary<string, SmtpRefusedRecipient> lastTransient)
    {
        var again = new List<MailboxAddress>();
        foreach (var answer in answers)
        {
            if (answer.IsTransient)
            {
                lastTransient[answer.Address] = answer;
                var mailbox = pending.FirstOrDefault(p => SameAddress(p.Address, answer.Address));
                if (mailbox != null) again.Add(mailbox);
            }
            else
            {
                refused.Add(answer);
            }
        }
        return again;
    }

    private async Task<Attempt> TransactAsync(MailMessage message, MailboxAddress sender, IList<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        var client = _session.Client as RecipientTrackingSmtpClient
            ?? throw new NotSupportedException("This SMTP session was not opened by MailAdmin's connector.");
        // A server without 8BITMIME may need 8-bit parts re-encoded: that is done on a private
        // copy, never on the caller's message.
        var eightBit = (client.Capabilities & SmtpCapabilities.EightBitMime) != 0;
        var mime = eightBit ? message.MimeMessage : MimeMessage.Load(new MemoryStream(message.GetBytes(), false), cancellationToken);
        var transaction = client.Begin(_notify, allowReencoding: !eightBit);
        try
        {
            var reply = await client.SendAsync(WireFormat, mime, sender, recipients, cancellationToken).ConfigureAwait(false);
            return new Attempt(transaction, reply, null);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException))
        {
            return new Attempt(transaction, null, Classify(ex));
        }
        finally
        {
            client.End();
        }
    }

    private MailClientException Classify(Exception error)
    {
        if (error is ServiceNotAuthenticatedException)
            return new MailClientException(MailClientProtocol.Smtp, MailClientFailure.AuthenticationFailed,
                $"{_session.Server} requires a login to send mail (give -Credential): {error.Message}", error, 530, error.Message);
        return MailClientErrors.Classify(MailClientProtocol.Smtp, error, _session.Server);
    }

    private MailClientException RefusalError(SmtpRefusedRecipient refused, bool nothingSent, int attempts)
    {
        var text = $"{_session.Server} refused recipient {refused.Address}: {refused.ReplyCode} {refused.Reply}".TrimEnd();
        if (refused.IsTransient && attempts > 1) text += $" (still refused after {attempts} attempts)";
        if (nothingSent) text += ". No recipient was accepted, so the message was not sent";
        return new MailClientException(MailClientProtocol.Smtp, MailClientFailure.RecipientRefused, text + ".", null, refused.ReplyCode, refused.Reply);
    }

    private static bool SameAddress(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static FormatOptions CreateWireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.HiddenHeaders.Add(HeaderId.Bcc);
        options.HiddenHeaders.Add(HeaderId.ResentBcc);
        options.HiddenHeaders.Add(HeaderId.ContentLength);
        options.NewLineFormat = NewLineFormat.Dos;
        options.International = false;
        return options;
    }

    private sealed class Attempt
    {
        public Attempt(SmtpTransaction? transaction, string? reply, MailClientException? error)
        {
            Transaction = transaction;
            Reply = reply;
            Error = error;
        }

        public SmtpTransaction? Transaction { get; }
        public string? Reply { get; }
        public MailClientException? Error { get; }
    }
}

/// <summary>A refused recipient and the error Send-SmtpMessage writes for it (SmtpRecipientRefused).</summary>
public sealed class SmtpRefusal
{
    public SmtpRefusal(SmtpRefusedRecipient recipient, MailClientException error)
    {
        Recipient = recipient;
        Error = error;
    }

    public SmtpRefusedRecipient Recipient { get; }
    public MailClientException Error { get; }
}

/// <summary>How one message went: the result when anyone got it, the refusals, and the failure that stopped it.</summary>
public sealed class SmtpSendOutcome
{
    public SmtpSendOutcome(SmtpSendResult? result, IReadOnlyList<SmtpRefusal> refusals, MailClientException? failure)
    {
        Result = result;
        Refusals = refusals;
        Failure = failure;
    }

    /// <summary>Null when no recipient got the message.</summary>
    public SmtpSendResult? Result { get; }
    public IReadOnlyList<SmtpRefusal> Refusals { get; }

    /// <summary>Why the message was not sent at all (MAIL or DATA refused, the connection failed, ...); null otherwise.</summary>
    public MailClientException? Failure { get; }
}
