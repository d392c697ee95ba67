using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Smtp;
using MailKit.Net.Smtp;
using SmtpResponse = MailKit.Net.Smtp.SmtpResponse;

namespace MailAdmin.Delivery;

/// <summary>
/// One SMTP session to a next hop, sending one transaction per <see cref="SendAsync"/>: MAIL
/// with the queued parameters, RCPT for each recipient (DSN NOTIFY/ORCPT passed on when the
/// peer offers DSN), DATA with the queued bytes unchanged. Refusals are answers, not errors:
/// each recipient gets the reply that decided it. Only a broken connection throws.
/// </summary>
internal sealed class SmtpOutboundConnection : IOutboundConnection
{
    private static readonly Regex EnhancedCode = new(@"^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)", RegexOptions.CultureInvariant);

    /// <summary>The wait for the reply to the final dot (RFC 5321 §4.5.3.2.6), longer than any other.</summary>
    internal static readonly TimeSpan EndOfDataTimeout = TimeSpan.FromMinutes(10);

    private readonly Func<CancellationToken, Task<OutboundSmtpClient>>? _reopen;
    private OutboundSmtpClient _client;
    private int _transactions;

    /// <param name="reopen">Opens a new session to the same host, for a reused session the peer has given up meanwhile.</param>
    internal SmtpOutboundConnection(OutboundSmtpClient client, string remoteHost, Func<CancellationToken, Task<OutboundSmtpClient>>? reopen = null)
    {
        _client = client;
        RemoteHost = remoteHost;
        _reopen = reopen;
    }

    public string RemoteHost { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>The session is encrypted (STARTTLS or implicit TLS).</summary>
    internal bool IsSecure => _client.IsSecure;

    internal SmtpCapabilities Capabilities => _client.Capabilities;

    public async Task<IReadOnlyList<RecipientResult>> SendAsync(OutboundEnvelope envelope, Stream content, CancellationToken cancellationToken)
    {
        if (envelope == null) throw new ArgumentNullException(nameof(envelope));
        if (content == null) throw new ArgumentNullException(nameof(content));
        try
        {
            return await TransactAsync(envelope, content, cancellationToken).ConfigureAwait(false);
        }
        catch (StaleSessionException stale)
        {
            // A reused session the peer closed meanwhile (idle timeout, a limit of messages per
            // session: "421" or a hang-up at the first command). Nothing of this transaction
            // reached it, so it goes once more on a new session instead of being deferred.
            _client.Dispose();
            try { _client = await _reopen!(cancellationToken).ConfigureAwait(false); }
            catch (OutboundConnectException) { throw; }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw new OutboundConnectException($"{RemoteHost}: the session was closed ({stale.Message}) and reconnecting failed: {ex.Message}", permanent: false, "4.4.2", ex);
            }
            _transactions = 0;
            return await TransactAsync(envelope, content, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _transactions++;
        }
    }

    /// <summary>The session failed before anything of the transaction was accepted, and a new one may be tried.</summary>
    private sealed class StaleSessionException : Exception
    {
        public StaleSessionException(string message) : base(message) { }
    }

    private bool MayReopen => _reopen != null && _transactions > 0;

    private async Task<IReadOnlyList<RecipientResult>> TransactAsync(OutboundEnvelope envelope, Stream content, CancellationToken cancellationToken)
    {
        var message = envelope.Message;
        var results = new RecipientResult?[envelope.Recipients.Count];
        var stage = "MAIL";
        try
        {
            var utf8 = Has(SmtpCapabilities.UTF8);
            // RFC 6531 §3.2: an internationalized address cannot go to a peer without SMTPUTF8
            // (no downgrade exists); the message fails for good for those recipients.
            if (!utf8 && !IsAscii(message.Sender))
                return envelope.Recipients.Select(r => Result(r.Address, 550, "5.6.7", "the next hop does not offer SMTPUTF8, which the sender address needs")).ToList();
            for (var i = 0; i < results.Length; i++)
                if (!utf8 && !IsAscii(envelope.Recipients[i].Address))
                    results[i] = Result(envelope.Recipients[i].Address, 553, "5.6.7", "the next hop does not offer SMTPUTF8, which this address needs");
            if (results.All(r => r != null)) return results!;

            var pending = Enumerable.Range(0, results.Length).Where(i => results[i] == null).ToArray();
            var mailCommand = MailCommand(message, utf8);
            var rcptCommands = pending.Select(i => RcptCommand(envelope.Recipients[i])).ToArray();
            var rcpts = new SmtpResponse?[pending.Length];
            SmtpResponse mail;
            SmtpResponse? data = null;
            if (Has(SmtpCapabilities.Pipelining))
            {
                stage = "MAIL, RCPT and DATA (pipelined)";
                // MAIL, every RCPT and DATA in one go, as RFC 2920 allows: a server answers DATA
                // with an error when no recipient was accepted, so no content goes to nobody.
                var replies = await _client.PipelineAsync(new[] { mailCommand }.Concat(rcptCommands).Concat(new[] { "DATA" }).ToArray(), cancellationToken).ConfigureAwait(false);
                mail = replies[0];
                Array.Copy(replies, 1, rcpts, 0, rcpts.Length);
                data = replies[replies.Length - 1];
            }
            else
            {
                mail = await _client.CommandAsync(mailCommand, cancellationToken).ConfigureAwait(false);
                stage = "RCPT";
                for (var k = 0; k < rcpts.Length && IsPositive(mail); k++)
                {
                    rcpts[k] = await _client.CommandAsync(rcptCommands[k], cancellationToken).ConfigureAwait(false);
                    // 421: the peer is closing; the rest cannot be asked.
                    if ((int)rcpts[k]!.StatusCode == 421) break;
                }
            }

            if ((int)mail.StatusCode == 421 && MayReopen)
            {
                await DropAsync().ConfigureAwait(false);
                throw new StaleSessionException(Line(mail));
            }
            if (!IsPositive(mail))
            {
                // With pipelining, the RCPT replies (503) say nothing about the recipients.
                FillRemaining(results, envelope, mail);
                await AbandonDataAsync(data, cancellationToken).ConfigureAwait(false);
                await ResetAsync(mail, cancellationToken).ConfigureAwait(false);
                return results!;
            }

            var accepted = 0;
            SmtpResponse? closing = null;
            for (var k = 0; k < pending.Length; k++)
            {
                var reply = rcpts[k];
                if (reply == null) continue;
                if ((int)reply.StatusCode == 421) closing = reply;
                if (IsPositive(reply)) accepted++;
                else results[pending[k]] = Result(envelope.Recipients[pending[k]].Address, reply);
            }
            if (closing != null)
            {
                FillRemaining(results, envelope, closing);
                await DropAsync().ConfigureAwait(false);
                return results!;
            }
            if (accepted == 0)
            {
                // Nobody would get the content: no DATA (RFC 5321 §3.3 "no valid recipients").
                await AbandonDataAsync(data, cancellationToken).ConfigureAwait(false);
                await ResetAsync(null, cancellationToken).ConfigureAwait(false);
                return results!;
            }

            stage = "DATA";
            data ??= await _client.CommandAsync("DATA", cancellationToken).ConfigureAwait(false);
            if ((int)data.StatusCode != 354)
            {
                FillRemaining(results, envelope, data);
                await ResetAsync(data, cancellationToken).ConfigureAwait(false);
                return results!;
            }

            stage = "end of data";
            // RFC 5321 §4.5.3.2.6: wait 10 minutes for the reply to the final dot. The receiver
            // may be scanning the message; giving up sooner means sending it again (a duplicate).
            int commandTimeout = _client.Timeout;
            _client.Timeout = Math.Max(commandTimeout, (int)EndOfDataTimeout.TotalMilliseconds);
            SmtpResponse end;
            try { end = await _client.SendDataAsync(content, cancellationToken).ConfigureAwait(false); }
            finally { _client.Timeout = commandTimeout; }
            FillRemaining(results, envelope, end);
            if ((int)end.StatusCode == 421) await DropAsync().ConfigureAwait(false);
            return results!;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await DropAsync().ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (!(ex is OutboundConnectException) && !(ex is StaleSessionException))
        {
            if (MayReopen && stage != "end of data" && !(ex is OperationCanceledException))
            {
                await DropAsync().ConfigureAwait(false);
                throw new StaleSessionException(ex.Message);
            }
            // The connection broke (or timed out) mid-transaction: nobody may count as delivered,
            // so the whole transaction is deferred and tried again on a new connection.
            await DropAsync().ConfigureAwait(false);
            throw new OutboundConnectException($"{RemoteHost}: connection lost during {stage}: {ex.Message}", permanent: false, "4.4.2", ex);
        }
    }

    private bool Has(SmtpCapabilities capability) => (_client.Capabilities & capability) != 0;

    private string MailCommand(QueueMessage message, bool utf8)
    {
        var command = new StringBuilder("MAIL FROM:<").Append(message.Sender).Append('>');
        if (Has(SmtpCapabilities.Size) && message.Size > 0) command.Append(" SIZE=").Append(message.Size);
        if (message.Body == SmtpBodyType.EightBitMime && Has(SmtpCapabilities.EightBitMime)) command.Append(" BODY=8BITMIME");
        if (message.SmtpUtf8 && utf8) command.Append(" SMTPUTF8");
        if (Has(SmtpCapabilities.Dsn))
        {
            if (message.Ret == DsnReturn.Full) command.Append(" RET=FULL");
            else if (message.Ret == DsnReturn.Headers) command.Append(" RET=HDRS");
            if (!string.IsNullOrEmpty(message.EnvelopeId)) command.Append(" ENVID=").Append(XText(message.EnvelopeId!));
        }
        return command.ToString();
    }

    private string RcptCommand(QueueRecipient recipient)
    {
        var command = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
        if (Has(SmtpCapabilities.Dsn))
        {
            var notify = NotifyValue(recipient.Notify);
            if (notify != null) command.Append(" NOTIFY=").Append(notify);
            var orcpt = recipient.OriginalRecipient;
            var semicolon = orcpt?.IndexOf(';') ?? -1;
            if (semicolon > 0)
                command.Append(" ORCPT=").Append(orcpt!.Substring(0, semicolon)).Append(';').Append(XText(orcpt.Substring(semicolon + 1)));
        }
        return command.ToString();
    }

    internal static string? NotifyValue(DsnNotify notify)
    {
        if (notify == DsnNotify.Unspecified) return null;
        if ((notify & DsnNotify.Never) != 0) return "NEVER";
        var parts = new List<string>(3);
        if ((notify & DsnNotify.Success) != 0) parts.Add("SUCCESS");
        if ((notify & DsnNotify.Failure) != 0) parts.Add("FAILURE");
        if ((notify & DsnNotify.Delay) != 0) parts.Add("DELAY");
        return string.Join(",", parts);
    }

    /// <summary>RFC 3461 §4 xtext: "+", "=", controls, space and non-ASCII bytes as +XX.</summary>
    internal static string XText(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b < 33 || b > 126 || b == (byte)'+' || b == (byte)'=') text.Append('+').Append(b.ToString("X2"));
            else text.Append((char)b);
        }
        return text.ToString();
    }

    private static bool IsAscii(string value) => value.All(c => c < 128);

    private static bool IsPositive(SmtpResponse response) => (int)response.StatusCode >= 200 && (int)response.StatusCode < 300;

    private void FillRemaining(RecipientResult?[] results, OutboundEnvelope envelope, SmtpResponse response)
    {
        for (var i = 0; i < results.Length; i++)
            if (results[i] == null) results[i] = Result(envelope.Recipients[i].Address, response);
    }

    private static string Line(SmtpResponse response) => (int)response.StatusCode + " " + (response.Response ?? "").Replace("\r", "").Replace('\n', ' ').Trim();

    private RecipientResult Result(string address, SmtpResponse response)
    {
        // MailKit joins a multi-line reply with LF; one line keeps the queue's LastReply readable.
        var text = (response.Response ?? "").Replace("\r", "").Replace('\n', ' ').Trim();
        string? enhanced = null;
        var match = EnhancedCode.Match(text);
        if (match.Success)
        {
            enhanced = match.Groups[1].Value;
            text = text.Substring(match.Length);
        }
        return new RecipientResult(address, (int)response.StatusCode, enhanced, text, RemoteHost) { DsnPassedOn = Has(SmtpCapabilities.Dsn) };
    }

    private RecipientResult Result(string address, int code, string enhanced, string text) =>
        new RecipientResult(address, code, enhanced, text, RemoteHost);

    /// <summary>
    /// A pipelined DATA that a (non-conforming) peer answered 354 although the transaction has
    /// no recipient: end it with the bare terminator, so that no content is sent.
    /// </summary>
    private async Task AbandonDataAsync(SmtpResponse? data, CancellationToken cancellationToken)
    {
        if (data != null && (int)data.StatusCode == 354)
            await _client.CommandAsync(".", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RSET after a transaction that did not reach the end of data, as MailKit does; a 421 (or a failed RSET) ends the session.</summary>
    private async Task ResetAsync(SmtpResponse? last, CancellationToken cancellationToken)
    {
        if (last != null && (int)last.StatusCode == 421)
        {
            await DropAsync().ConfigureAwait(false);
            return;
        }
        try
        {
            var reset = await _client.CommandAsync("RSET", cancellationToken).ConfigureAwait(false);
            if (!IsPositive(reset)) await DropAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException))
        {
            // The replies already decided the recipients; a session that cannot reset is just closed.
            await DropAsync().ConfigureAwait(false);
        }
    }

    private async Task DropAsync()
    {
        try
        {
            if (_client.IsConnected) await _client.DisconnectAsync(false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already broken: nothing to say to the peer.
        }
    }

    public void Dispose()
    {
        try
        {
            if (_client.IsConnected)
            {
                // A polite QUIT, but a hung peer must not hold the queue's worker for long.
                _client.Timeout = Math.Min(_client.Timeout, 5000);
                _client.Disconnect(true);
            }
        }
        catch (Exception)
        {
            // The session is over either way.
        }
        _client.Dispose();
    }
}
