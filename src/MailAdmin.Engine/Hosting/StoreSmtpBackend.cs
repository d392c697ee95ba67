using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Delivery;
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

    /// <summary>The outbound queue for remote recipients (set by MailServer); without one, mail for elsewhere fails.</summary>
    internal OutboundQueue? Queue { get; set; }
    /// <summary>Notices for what cannot be delivered locally (set by MailServer).</summary>
    internal INoticeSender? Notices { get; set; }
    /// <summary>The message trace (set by MailServer).</summary>
    internal IMessageTrace? Trace { get; set; }
    /// <summary>The configured postmaster account (-Postmaster); null: the first account created.</summary>
    internal string? Postmaster { get; set; }

    /// <summary>RFC 5321 §6.3: a message with more Received fields than this (ours included) is in a loop.</summary>
    public const int MaxReceivedFields = 50;

    /// <summary>
    /// The account that takes postmaster mail, resolved now (an account created after the start
    /// counts): the configured one when it exists, otherwise the enabled account created first
    /// (by <see cref="MailAccount.Created"/>, ties by address); null when there is none.
    /// </summary>
    internal string? ResolvePostmaster()
    {
        if (Postmaster != null) return Lookup(Postmaster)?.Address;
        var accounts = _store.Accounts.ListAsync().GetAwaiter().GetResult();
        return accounts.Where(a => a.Enabled)
            .OrderBy(a => a.Created).ThenBy(a => a.Address, StringComparer.Ordinal)
            .FirstOrDefault()?.Address;
    }

    /// <summary>
    /// The account that takes mail for a local address: postmaster → the postmaster account,
    /// anything with a catch-all → the catch-all, a local account → itself; null when none (or the
    /// address is not local).
    /// </summary>
    internal string? ResolveLocal(string address)
    {
        if (IsPostmaster(address)) return ResolvePostmaster();
        if (_catchAll != null) return _catchAll;
        int at = address.LastIndexOf('@');
        if (at < 0 || !_domains.Contains(NormalizeDomain(address.Substring(at + 1)))) return null;
        return Lookup(address)?.Address;
    }

    /// <summary>"postmaster" alone or at one of our domains, in any case (RFC 5321 §4.5.1: always accepted).</summary>
    private bool IsPostmaster(string address)
    {
        int at = address.LastIndexOf('@');
        if (at < 0) return string.Equals(address, "postmaster", StringComparison.OrdinalIgnoreCase);
        return at == "postmaster".Length
            && string.Compare(address, 0, "postmaster", 0, at, StringComparison.OrdinalIgnoreCase) == 0
            && _domains.Contains(NormalizeDomain(address.Substring(at + 1)));
    }

    /// <summary>Delivered here (a catch-all takes every domain), as opposed to queued for elsewhere.</summary>
    private bool IsLocal(string address)
    {
        if (_catchAll != null) return true;
        int at = address.LastIndexOf('@');
        return at < 0 || _domains.Contains(NormalizeDomain(address.Substring(at + 1)));
    }

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
        if (IsPostmaster(address))
        {
            var postmaster = ResolvePostmaster();
            if (postmaster == null) return RecipientCheck.NoPostmaster;
            return _store.HasRoomFor(postmaster, Math.Max(1, declaredSize)) ? RecipientCheck.Local : RecipientCheck.MailboxFull;
        }
        if (_catchAll != null)
            return _store.HasRoomFor(_catchAll, Math.Max(1, declaredSize)) ? RecipientCheck.Local : RecipientCheck.MailboxFull;
        int at = address.LastIndexOf('@');
        // Only "postmaster" may come without a domain; anything else bare is nobody (and never relayed).
        if (at < 0) return RecipientCheck.UnknownLocal;
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
    /// The content goes to one store incoming file, which starts with the first local recipient's
    /// Delivered-To line (each copy gets its own, so that a catch-all mailbox and
    /// Get-MailServerMessage -To can tell them apart). A scanner reads the header section as it
    /// passes (Received count, Message-ID, Subject) without holding it.
    /// </summary>
    public SmtpMessageSink OpenMessage(SmtpEnvelope envelope)
    {
        var incoming = _store.CreateIncomingMessage();
        var sink = new IncomingSink(incoming);
        var first = DistinctRecipients(envelope).FirstOrDefault(r => IsLocal(r.Address));
        if (first != null)
        {
            sink.Write(DeliveredTo(first.Address));
            sink.FirstLineLength = sink.Length;
        }
        // Only relayed: the file goes to the queue as written, without a Return-Path to strip.
        sink.WantsReturnPath = first != null;
        sink.Header = new SmtpHeaderScanner();
        return sink;
    }

    /// <summary>
    /// Remote recipients go to the outbound queue (one entry for all of them), local ones get one
    /// copy each, durably stored before this returns. The message was written once; the queue gets
    /// a copy without our Delivered-To and Return-Path lines (the next hop's final delivery writes
    /// its own), local recipients after the first get a copy with their own Delivered-To line, and
    /// the first local recipient gets the file itself (moved into place) unless a notice still needs
    /// it; so the bytes never go through memory whole. A mailbox that the message would overfill
    /// (its room was checked at RCPT, but other messages may have arrived since) or an account
    /// removed meanwhile misses the message while the others get it, and the sender gets a failure
    /// notice; when nobody got it, the transaction fails with that reply. A local or queue I/O error
    /// fails the transaction (451/452), so that the client retries rather than the message being
    /// lost for a recipient. A message in a routing loop (more than <see cref="MaxReceivedFields"/>
    /// Received fields) is accepted but not delivered: every recipient fails with 5.4.6.
    /// </summary>
    public async Task<IReadOnlyList<SmtpRecipientFailure>> DeliverAsync(SmtpEnvelope envelope, SmtpMessageSink message, CancellationToken cancellationToken)
    {
        var sink = (IncomingSink)message;
        var incoming = sink.Incoming;
        var header = sink.Header ?? new SmtpHeaderScanner();
        var recipients = DistinctRecipients(envelope).ToList();
        // What the queue and notices carry: the message as received, our Received line first.
        long skip = sink.FirstLineLength + header.LeadingReturnPathLength;
        var record = SmtpEnvelopeRecords.ToQueueMessage(envelope, recipients, incoming.Length - skip, header);
        foreach (var r in record.Recipients)
        {
            var received = SmtpEnvelopeRecords.Event(MessageTraceStatus.Received, record, r.Address);
            received.Timestamp = envelope.ReceivedAt;
            Trace?.Write(received);
        }

        if (header.ReceivedCount > MaxReceivedFields)
        {
            var loop = new SmtpReply(554, "5.4.6", $"Routing loop detected: {header.ReceivedCount} Received header fields");
            var all = recipients.Select(r => (r, loop)).ToList();
            TraceFailures(record, all, "routing loop");
            // Anyone can send a looping message with a forged sender: its notice carries the headers
            // only, whatever RET asked, so that a loop is no way to mail a full copy to a third party.
            record.Ret = DsnReturn.Headers;
            await NotifyAsync(NoticeKind.Failure, record, all, incoming, skip, cancellationToken).ConfigureAwait(false);
            return Array.Empty<SmtpRecipientFailure>();
        }

        var local = recipients.Where(r => IsLocal(r.Address)).ToList();
        var remote = recipients.Where(r => !IsLocal(r.Address)).ToList();
        var failures = new List<(SmtpRecipient Recipient, SmtpReply Reply)>();
        int delivered = 0;
        if (remote.Count > 0)
        {
            if (Queue == null)
            {
                foreach (var r in remote) failures.Add((r, new SmtpReply(550, "5.4.4", $"No outbound delivery here for {r.Address}")));
            }
            else
            {
                // Nothing local: nobody reads the content after the queue, which may take the file itself.
                await EnqueueAsync(envelope, remote, incoming, skip, header, mayMove: local.Count == 0, cancellationToken).ConfigureAwait(false);
                delivered += remote.Count;
            }
        }

        // The first local recipient last: its delivery may move the file.
        var order = local.Skip(1).Concat(local.Take(1)).ToList();
        // RCPT NOTIFY=SUCCESS (RFC 3461): a "delivered" notice once the message is in the mailbox.
        var succeeded = new List<(SmtpRecipient Recipient, SmtpReply Reply)>();
        bool successWanted = local.Any(r => (r.Notify & DsnNotify.Success) != 0);
        for (int i = 0; i < order.Count; i++)
        {
            var recipient = order[i];
            // A notice needs the content after the last delivery: then the last one copies too.
            bool moveAllowed = i == order.Count - 1 && failures.Count == 0 && !successWanted;
            incoming.ReplaceStart(moveAllowed ? null : DeliveredTo(recipient.Address), sink.FirstLineLength);
            var account = ResolveLocal(recipient.Address);
            var failure = account == null
                ? Unavailable(recipient.Address)
                : await DeliverOneAsync(account, incoming, envelope.ReceivedAt, recipient.Address, cancellationToken).ConfigureAwait(false);
            if (failure == null)
            {
                delivered++;
                Trace?.Write(SmtpEnvelopeRecords.Event(MessageTraceStatus.Delivered, record, recipient.Address, "250 2.0.0 OK", "INBOX of " + account));
                if ((recipient.Notify & DsnNotify.Success) != 0) succeeded.Add((recipient, new SmtpReply(250, "2.0.0", "Delivered to the mailbox")));
            }
            else failures.Add((recipient, failure));
        }
        if (succeeded.Count > 0)
            await NotifyAsync(NoticeKind.Success, record, succeeded, incoming, skip, cancellationToken).ConfigureAwait(false);
        if (failures.Count == 0) return Array.Empty<SmtpRecipientFailure>();
        if (delivered == 0)
        {
            // The client is told (and keeps the message): no notice from us.
            TraceFailures(record, failures, "not accepted: the client was answered " + failures[0].Reply.Code);
            throw new SmtpDeliveryException(failures[0].Reply);
        }
        TraceFailures(record, failures, null);
        await NotifyAsync(NoticeKind.Failure, record, failures, incoming, skip, cancellationToken).ConfigureAwait(false);
        return failures.Select(f => new SmtpRecipientFailure(f.Recipient.Address, f.Reply)).ToList();
    }

    /// <summary>One queue entry for every remote recipient, durable before this returns; the content as received.</summary>
    private async Task EnqueueAsync(SmtpEnvelope envelope, List<SmtpRecipient> remote, IncomingMessage incoming, long skip, SmtpHeaderScanner header, bool mayMove, CancellationToken cancellationToken)
    {
        var queued = SmtpEnvelopeRecords.ToQueueMessage(envelope, remote, incoming.Length - skip, header);
        // A copy unless the caller allows a move: local deliveries and notices may still need the content.
        incoming.ReplaceStart(mayMove && skip == 0 ? null : Array.Empty<byte>(), skip);
        try
        {
            await Queue!.EnqueueAsync(queued, incoming.AsContent(), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new SmtpDeliveryException(new SmtpReply(452, "4.3.1", "Insufficient system storage; try again later"), ex);
        }
    }

    private void TraceFailures(QueueMessage record, IEnumerable<(SmtpRecipient Recipient, SmtpReply Reply)> failures, string? detail)
    {
        if (Trace == null) return;
        foreach (var (recipient, reply) in failures)
            Trace.Write(SmtpEnvelopeRecords.Event(MessageTraceStatus.Failed, record, recipient.Address, reply.ToString(), detail));
    }

    /// <summary>
    /// A failure (or, for NOTIFY=SUCCESS, a delivered) notice to the sender for <paramref name="outcomes"/>
    /// (the notice sender decides whether one may go). The message is already accepted: a notice that
    /// cannot go is traced, never turned into a failure reply (the client would send everything again).
    /// </summary>
    private async Task NotifyAsync(NoticeKind kind, QueueMessage record, IReadOnlyList<(SmtpRecipient Recipient, SmtpReply Reply)> outcomes, IncomingMessage incoming, long skip, CancellationToken cancellationToken)
    {
        if (Notices == null) return;
        var status = kind == NoticeKind.Failure ? QueueRecipientStatus.Failed : QueueRecipientStatus.Delivered;
        var decided = new List<QueueRecipient>();
        foreach (var (recipient, reply) in outcomes)
        {
            var entry = record.Recipients.First(q => string.Equals(q.Address, recipient.Address, StringComparison.OrdinalIgnoreCase));
            decided.Add(SmtpEnvelopeRecords.Decided(entry.Clone(), reply, status));
        }
        incoming.ReplaceStart(Array.Empty<byte>(), skip);
        var original = incoming.AsContent();
        try
        {
            await Notices.SendAsync(kind, record, decided, () => new MemoryStream(original.ToArray(), writable: false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            foreach (var r in decided)
                Trace?.Write(SmtpEnvelopeRecords.Event(MessageTraceStatus.Failed, record, r.Address, r.LastReply, kind.ToString().ToLowerInvariant() + " notice not sent: " + ex.Message));
        }
    }

    private async Task<SmtpReply?> DeliverOneAsync(string account, IncomingMessage incoming, DateTimeOffset receivedAt, string recipient, CancellationToken cancellationToken)
    {
        try
        {
            await _store.DeliverAsync(account, "INBOX", incoming, null, receivedAt, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (QuotaExceededException)
        {
            return new SmtpReply(552, "5.2.2", $"Mailbox of {recipient} is full");
        }
        catch (Exception ex) when (ex is AccountNotFoundException || ex is AccountDisabledException)
        {
            return Unavailable(recipient);
        }
        catch (IOException ex)
        {
            throw new SmtpDeliveryException(new SmtpReply(452, "4.3.1", "Insufficient system storage; try again later"), ex);
        }
    }

    private static SmtpReply Unavailable(string recipient) => new(550, "5.1.1", $"Mailbox {recipient} is unavailable");

    private static IEnumerable<SmtpRecipient> DistinctRecipients(SmtpEnvelope envelope)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in envelope.Recipients)
            if (seen.Add(r.Address)) yield return r;
    }

    private static byte[] DeliveredTo(string recipient) => Encoding.UTF8.GetBytes("Delivered-To: " + recipient + "\r\n");

    /// <summary>The session's sink over a store incoming message.</summary>
    private sealed class IncomingSink : SmtpMessageSink
    {
        internal IncomingSink(IncomingMessage incoming) => Incoming = incoming;
        internal IncomingMessage Incoming { get; }
        internal long FirstLineLength;
        /// <summary>Reads the header section of what the session writes (after our Delivered-To line).</summary>
        internal SmtpHeaderScanner? Header;
        protected override void WriteCore(ReadOnlySpan<byte> data)
        {
            Incoming.Write(data);
            Header?.Feed(data);
        }
        public override void Dispose() => Incoming.Dispose();
    }

    private MailAccount? Lookup(string address) =>
        _store.Accounts.GetAsync(address).GetAwaiter().GetResult();

    private static string NormalizeDomain(string domain) => MailAdmin.DnsChecks.DomainName.Normalize(domain);
}
