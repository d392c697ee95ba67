using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;
using MailKit;
using MailKit.Search;
using MimeKit;

namespace MailAdmin.Health;

/// <summary>
/// The end-to-end check: real mail through the server under test into a mailbox, timed, then
/// removed. It uses the client sessions (MailKit) rather than the prober's own dialogue:
/// here only the outcome matters, not every step.
/// </summary>
internal static class RoundTripProbe
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Adds a "Round trip" check to <paramref name="health"/>; Stage 'data' when sending fails, 'roundtrip' when the probe does not arrive.</summary>
    public static async Task RunAsync(MailServerProbeOptions smtp, RoundTripOptions options, MailServerHealth health, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("n");
        var messageId = $"{id}@mailadmin.probe";
        var clock = Stopwatch.StartNew();
        try
        {
            await SendAsync(smtp, options, messageId, cancellationToken).ConfigureAwait(false);
        }
        catch (MailClientException ex)
        {
            health.Fail("data", "Round trip", clock.Elapsed, $"The probe could not be sent: {ex.Message}");
            return;
        }
        var sent = clock.Elapsed;
        try
        {
            var found = await WaitAndDeleteAsync(smtp, options, messageId, cancellationToken).ConfigureAwait(false);
            if (found)
            {
                health.RoundTripLatency = clock.Elapsed;
                health.Add(new MailServerCheck("Round trip", CheckStatus.Pass, clock.Elapsed,
                    $"The probe reached {options.Recipient} in {clock.Elapsed.TotalMilliseconds:0} ms (sending took {sent.TotalMilliseconds:0} ms) and was deleted."));
            }
            else
            {
                health.Fail("roundtrip", "Round trip", clock.Elapsed, $"The probe did not arrive in {options.Recipient} within {options.Wait.TotalSeconds:0} s ({options.ReadProtocol} {options.ReadServer}).");
            }
        }
        catch (MailClientException ex)
        {
            health.Fail("roundtrip", "Round trip", clock.Elapsed, $"The probe was sent, but the mailbox could not be read: {ex.Message}");
        }
    }

    private static async Task SendAsync(MailServerProbeOptions smtp, RoundTripOptions options, string messageId, CancellationToken cancellationToken)
    {
        var client = new MailClientOptions(MailClientProtocol.Smtp, smtp.ConnectAddress?.ToString() ?? smtp.Target)
        {
            Port = smtp.EffectivePort,
            Security = MailServiceDefaults.ImplicitTls(smtp.Protocol) ? MailSecurity.Tls : MailSecurity.Auto,
            Credential = smtp.Credential,
            Timeout = smtp.Timeout,
            TrustedThumbprints = smtp.TrustedThumbprints,
            LocalDomain = smtp.HeloName,
        };
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(string.IsNullOrEmpty(options.Sender) ? options.Recipient : options.Sender));
        message.To.Add(MailboxAddress.Parse(options.Recipient));
        message.Subject = "MailAdmin round-trip probe";
        message.MessageId = messageId;
        message.Headers.Add("X-MailAdmin-Probe", "round-trip; deleted when found");
        message.Body = new TextPart("plain") { Text = "A probe sent by Test-MailServer -RoundTrip. It deletes it once found; if you see it, the check did not finish.\r\n" };
        using var session = (SmtpClientSession)await MailClientConnector.ConnectAsync(client, null, cancellationToken).ConfigureAwait(false);
        await session.UseAsync(token => session.Client.SendAsync(message, token), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls the mailbox until the probe is there (then deletes it) or the wait is over.</summary>
    private static async Task<bool> WaitAndDeleteAsync(MailServerProbeOptions smtp, RoundTripOptions options, string messageId, CancellationToken cancellationToken)
    {
        var read = new MailClientOptions(options.ReadProtocol, options.ReadServer)
        {
            Port = options.ReadPort,
            Security = options.ReadSecurity,
            Credential = options.ReadCredential,
            Timeout = smtp.Timeout,
            TrustedThumbprints = smtp.TrustedThumbprints,
        };
        var deadline = DateTime.UtcNow + options.Wait;
        if (options.ReadProtocol == MailClientProtocol.Imap)
        {
            using var session = (ImapClientSession)await MailClientConnector.ConnectAsync(read, null, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var found = await session.UseAsync(async token =>
                {
                    var inbox = await session.OpenFolderAsync("INBOX", FolderAccess.ReadWrite, token).ConfigureAwait(false);
                    var uids = await inbox.SearchAsync(SearchQuery.HeaderContains("Message-ID", messageId), token).ConfigureAwait(false);
                    if (uids.Count == 0) return false;
                    await ImapExpunge.DeleteAsync(session, inbox, uids, token).ConfigureAwait(false);
                    return true;
                }, null, cancellationToken).ConfigureAwait(false);
                if (found) return true;
                if (DateTime.UtcNow > deadline) return false;
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        // POP3 shows a snapshot per session: log in anew for each look.
        while (true)
        {
            using (var session = (Pop3ClientSession)await MailClientConnector.ConnectAsync(read, null, cancellationToken).ConfigureAwait(false))
            {
                var found = await session.UseAsync(async token =>
                {
                    var count = session.Client.Count;
                    for (var i = count - 1; i >= 0; i--)
                    {
                        HeaderList headers;
                        using (var stream = await session.Client.GetStreamAsync(i, true, token).ConfigureAwait(false))
                            headers = await HeaderList.LoadAsync(stream, token).ConfigureAwait(false);
                        if (string.Equals(headers[HeaderId.MessageId]?.Trim().Trim('<', '>'), messageId, StringComparison.OrdinalIgnoreCase))
                        {
                            await session.Client.DeleteMessageAsync(i, token).ConfigureAwait(false);
                            return true;
                        }
                    }
                    return false;
                }, null, cancellationToken).ConfigureAwait(false);
                if (found)
                {
                    // The deletion happens at QUIT.
                    await session.DisconnectAsync(null, cancellationToken).ConfigureAwait(false);
                    return true;
                }
            }
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
