using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Hosting;
using MailAdmin.Messages;
using MailAdmin.Store;

namespace MailAdmin.Commands;

/// <summary>
/// Get-MailServerMessage: the messages a server has received, from one mailbox or all. With
/// -Wait it blocks until a matching message is there: the call a test fixture makes after
/// the application under test has sent its mail.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MailServerMessage")]
[OutputType(typeof(MailMessage))]
public sealed class GetMailServerMessageCommand : MailAdminCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [MailServerTransformation]
    [ArgumentCompleter(typeof(MailServerNameCompleter))]
    [ValidateNotNull]
    public MailServer? Server { get; set; }

    /// <summary>Mailboxes to read (wildcards); all when omitted.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Account { get; set; }

    /// <summary>Only messages for these recipients (Delivered-To, To or Cc; wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? To { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? From { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Subject { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Folder { get; set; } = "INBOX";

    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait: how many matching messages to wait for (an application that sends in the background may not be done after the first).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; } = 1;

    /// <summary>Seconds -Wait waits before it gives up with an error.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Timeout { get; set; } = 30;

    protected override void EndProcessing()
    {
        var server = Server ?? SingleServer();
        var filter = new MessageFilter(To, From, Subject);
        IReadOnlyList<MailMessage> found = new MailMessage[0];
        RunAsync(async token =>
        {
            found = Wait
                ? await WaitForMatchesAsync(server, filter, token).ConfigureAwait(false)
                : await ReadMatchesAsync(server, filter, token).ConfigureAwait(false);
        });
        // Fewer than -Count: what came is still written (a test's Should -HaveCount then shows how many), with the error.
        WriteObject(found, enumerateCollection: true);
        if (Wait && found.Count < Count)
        {
            var message = found.Count == 0
                ? $"No matching message arrived at '{server.Name}' within {Timeout} s."
                : $"{found.Count} of {Count} matching messages arrived at '{server.Name}' within {Timeout} s.";
            WriteError(new TimeoutException(message), "MailServerMessageTimeout", ErrorCategory.OperationTimeout, server.Name);
        }
    }

    private async Task<IReadOnlyList<MailMessage>> WaitForMatchesAsync(MailServer server, MessageFilter filter, CancellationToken token)
    {
        var deadline = DateTime.UtcNow.AddSeconds(Timeout);
        var arrived = new SemaphoreSlim(0);
        EventHandler<MessageDeliveredEventArgs> onDelivered = (_, __) => arrived.Release();
        // Subscribe before the first look, so that a message arriving in between is not missed.
        server.Store.MessageDelivered += onDelivered;
        try
        {
            while (true)
            {
                var matches = await ReadMatchesAsync(server, filter, token).ConfigureAwait(false);
                var left = deadline - DateTime.UtcNow;
                if (matches.Count >= Count || left <= TimeSpan.Zero)
                    return matches;
                // The event wakes us at once; the 1 s bound also covers appends the store does not announce.
                await arrived.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
            }
        }
        finally
        {
            server.Store.MessageDelivered -= onDelivered;
        }
    }

    private async Task<IReadOnlyList<MailMessage>> ReadMatchesAsync(MailServer server, MessageFilter filter, CancellationToken token)
    {
        var accounts = await server.Store.Accounts.ListAsync(token).ConfigureAwait(false);
        var patterns = Account?.Select(a => WildcardPattern.Get(a, WildcardOptions.IgnoreCase)).ToList();
        var result = new List<MailMessage>();
        foreach (var account in accounts)
        {
            if (patterns != null && !patterns.Any(p => p.IsMatch(account.Address))) continue;
            IReadOnlyList<MailMessage> messages;
            try { messages = await server.ReadMessagesAsync(account.Address, Folder, token).ConfigureAwait(false); }
            catch (FolderNotFoundException) { continue; }
            result.AddRange(messages.Where(filter.IsMatch));
        }
        return result;
    }

    private MailServer SingleServer()
    {
        var implied = MailServerRegistry.Implied(out var errorId, out var reason);
        if (implied == null)
            ThrowTerminating(new InvalidOperationException(reason), errorId!, ErrorCategory.InvalidArgument, null);
        return implied!;
    }

    /// <summary>The -To, -From and -Subject filters, wildcards against addresses and text.</summary>
    private sealed class MessageFilter
    {
        private readonly WildcardPattern[]? _to;
        private readonly WildcardPattern? _from;
        private readonly WildcardPattern? _subject;

        public MessageFilter(string[]? to, string? from, string? subject)
        {
            _to = to?.Select(t => WildcardPattern.Get(t, WildcardOptions.IgnoreCase)).ToArray();
            _from = from == null ? null : WildcardPattern.Get(from, WildcardOptions.IgnoreCase);
            _subject = subject == null ? null : WildcardPattern.Get(subject, WildcardOptions.IgnoreCase);
        }

        public bool IsMatch(MailMessage message)
        {
            if (_subject != null && !_subject.IsMatch(message.Subject)) return false;
            if (_from != null && !MessageAddresses.FromForms(message).Any(_from.IsMatch)) return false;
            if (_to != null)
            {
                var recipients = MessageAddresses.Recipients(message);
                if (!recipients.Any(r => _to.Any(p => p.IsMatch(r)))) return false;
            }
            return true;
        }
    }
}
