using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;

namespace MailAdmin.Hosting;

/// <summary>
/// Connects the SMTP service to the store: which recipients are ours, who may log in, and
/// durable delivery into each recipient's INBOX (or the catch-all mailbox).
/// </summary>
public sealed class StoreSmtpBackend : ISmtpBackend
{
    private readonly IMailStore _store;
    // Replaced whole (copy on write) by AddDomain, so sessions read it without a lock.
    private volatile HashSet<string> _domains;
    private readonly object _domainsGate = new object();
    private readonly string? _catchAll;

    private readonly Dictionary<string, string> _bearerTokens;

    public StoreSmtpBackend(IMailStore store, IEnumerable<string> domains, string? catchAll, IDictionary<string, string>? bearerTokens = null)
    {
        _store = store;
        _bearerTokens = new Dictionary<string, string>(bearerTokens ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        _domains = new HashSet<string>(domains.Select(NormalizeDomain), StringComparer.OrdinalIgnoreCase);
        _catchAll = catchAll;
    }

    /// <summary>The outbound queue for remote recipients (set by MailServer).</summary>
    internal MailAdmin.Delivery.OutboundQueue? Queue { get; set; }
    /// <summary>Notices for what cannot be delivered locally (set by MailServer).</summary>
    internal MailAdmin.Delivery.INoticeSender? Notices { get; set; }
    /// <summary>The message trace (set by MailServer).</summary>
    internal MailAdmin.Delivery.IMessageTrace? Trace { get; set; }
    /// <summary>The account that takes postmaster mail, null when none (set by MailServer).</summary>
    internal string? Postmaster { get; set; }

    /// <summary>The account that takes mail for a local address (postmaster, catch-all), null when none.</summary>
    internal string? ResolveLocal(string address) => null; // skeleton: the relay branch implements it

    /// <summary>Local domains, in their ASCII form.</summary>
    public IReadOnlyCollection<string> Domains => _domains;

    public bool Serves(string domain) => _domains.Contains(NormalizeDomain(domain));

    /// <summary>Delivers <paramref name="domain"/> locally from now on (New-MailAccount on a lab server).</summary>
    public void AddDomain(string domain)
    {
        lock (_domainsGate)
        {
            var next = new HashSet<string>(_domains, StringComparer.OrdinalIgnoreCase) { NormalizeDomain(domain) };
            _domains = next;
        }
    }

    public RecipientCheck CheckRecipient(string address, bool authenticated, long declaredSize)
    {
        if (_catchAll != null)
            return _store.HasRoomFor(_catchAll, Math.Max(1, declaredSize)) ? RecipientCheck.Local : RecipientCheck.MailboxFull;
        int at = address.LastIndexOf('@');
        // RFC 5321 §4.5.1: "postmaster" without a domain is always local.
        if (at < 0)
            return string.Equals(address, "postmaster", StringComparison.OrdinalIgnoreCase) ? RecipientCheck.UnknownLocal : RecipientCheck.NonLocal;
        if (!_domains.Contains(NormalizeDomain(address.Substring(at + 1))))
            return RecipientCheck.NonLocal;
        var account = Lookup(address);
        if (account == null || !account.Enabled) return RecipientCheck.UnknownLocal;
        // Full: no room left at all, or none for the size the client declared.
        return _store.HasRoomFor(account.Address, Math.Max(1, declaredSize)) ? RecipientCheck.Local : RecipientCheck.MailboxFull;
    }

    public async Task<bool> AuthenticateAsync(string user, string password, CancellationToken cancellationToken)
    {
        var account = await _store.Accounts.VerifyPasswordAsync(user, password, cancellationToken).ConfigureAwait(false);
        return account != null && account.Enabled;
    }

    /// <summary>XOAUTH2: the token configured for the user, compared in constant time.</summary>
    public async Task<bool> AuthenticateBearerAsync(string user, string token, CancellationToken cancellationToken)
    {
        if (!_bearerTokens.TryGetValue(user, out var expected) || !FixedTime.AreEqual(expected, token))
            return false;
        var account = await _store.Accounts.GetAsync(user, cancellationToken).ConfigureAwait(false);
        return account != null && account.Enabled;
    }

    /// <summary>
    /// The content goes to one store incoming file, which starts with the first recipient's
    /// Delivered-To line (each copy gets its own, so that a catch-all mailbox and
    /// Get-MailServerMessage -To can tell them apart).
    /// </summary>
    public SmtpMessageSink OpenMessage(SmtpEnvelope envelope)
    {
        var incoming = _store.CreateIncomingMessage();
        var sink = new IncomingSink(incoming);
        var first = DistinctRecipients(envelope).FirstOrDefault();
        if (first != null)
        {
            sink.Write(DeliveredTo(first));
            sink.FirstLineLength = sink.Length;
        }
        return sink;
    }

    /// <summary>
    /// One copy per distinct recipient, durably stored before this returns. The message was
    /// written once; recipients after the first get a copy with their own Delivered-To line, and
    /// the first gets the file itself (moved into place), so the bytes go to disk once more per
    /// extra recipient and never through memory whole. A mailbox that the message would overfill
    /// (its room was checked at RCPT, but other messages may have arrived since) or an account
    /// removed meanwhile misses the message while the others get it; when nobody got it, the
    /// transaction fails with that reply. A local I/O error fails the transaction (451/452), so
    /// that the client retries rather than the message being lost for a recipient.
    /// </summary>
    public async Task<IReadOnlyList<SmtpRecipientFailure>> DeliverAsync(SmtpEnvelope envelope, SmtpMessageSink message, CancellationToken cancellationToken)
    {
        var sink = (IncomingSink)message;
        var incoming = sink.Incoming;
        var recipients = DistinctRecipients(envelope).ToList();
        var failures = new List<SmtpRecipientFailure>();
        int delivered = 0;
        // The first recipient last: its delivery moves the file.
        var order = recipients.Skip(1).Concat(recipients.Take(1)).ToList();
        for (int i = 0; i < order.Count; i++)
        {
            var recipient = order[i];
            bool isFirst = i == order.Count - 1;
            incoming.ReplaceStart(isFirst ? null : DeliveredTo(recipient), sink.FirstLineLength);
            var failure = await DeliverOneAsync(_catchAll ?? recipient, incoming, envelope.ReceivedAt, recipient, cancellationToken).ConfigureAwait(false);
            if (failure == null) delivered++;
            else failures.Add(failure);
        }
        if (delivered == 0 && failures.Count > 0)
            throw new SmtpDeliveryException(failures[0].Reply);
        return failures;
    }

    private async Task<SmtpRecipientFailure?> DeliverOneAsync(string account, IncomingMessage incoming, DateTimeOffset receivedAt, string recipient, CancellationToken cancellationToken)
    {
        try
        {
            await _store.DeliverAsync(account, "INBOX", incoming, null, receivedAt, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (QuotaExceededException)
        {
            return new SmtpRecipientFailure(recipient, new SmtpReply(552, "5.2.2", $"Mailbox of {recipient} is full"));
        }
        catch (Exception ex) when (ex is AccountNotFoundException || ex is AccountDisabledException)
        {
            return new SmtpRecipientFailure(recipient, new SmtpReply(550, "5.1.1", $"Mailbox {recipient} is unavailable"));
        }
        catch (IOException ex)
        {
            throw new SmtpDeliveryException(new SmtpReply(452, "4.3.1", "Insufficient system storage; try again later"), ex);
        }
    }

    private static IEnumerable<string> DistinctRecipients(SmtpEnvelope envelope)
        => envelope.Recipients.Select(r => r.Address).Distinct(StringComparer.OrdinalIgnoreCase);

    private static byte[] DeliveredTo(string recipient) => Encoding.UTF8.GetBytes("Delivered-To: " + recipient + "\r\n");

    /// <summary>The session's sink over a store incoming message.</summary>
    private sealed class IncomingSink : SmtpMessageSink
    {
        internal IncomingSink(IncomingMessage incoming) => Incoming = incoming;
        internal IncomingMessage Incoming { get; }
        internal long FirstLineLength;
        protected override void WriteCore(ReadOnlySpan<byte> data) => Incoming.Write(data);
        public override void Dispose() => Incoming.Dispose();
    }

    private MailAccount? Lookup(string address) =>
        _store.Accounts.GetAsync(address).GetAwaiter().GetResult();

    private static string NormalizeDomain(string domain)
    {
        domain = domain.Trim().TrimEnd('.');
        try { return new System.Globalization.IdnMapping().GetAscii(domain).ToLowerInvariant(); }
        catch (ArgumentException) { return domain.ToLowerInvariant(); }
    }
}
