using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Protocols.Smtp;
using MailAdmin.Store;

namespace MailAdmin.Hosting
{
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

        public RecipientCheck CheckRecipient(string address, bool authenticated)
        {
            if (_catchAll != null)
                return RecipientCheck.Local;
            int at = address.LastIndexOf('@');
            // RFC 5321 §4.5.1: "postmaster" without a domain is always local.
            if (at < 0)
                return string.Equals(address, "postmaster", StringComparison.OrdinalIgnoreCase) ? RecipientCheck.UnknownLocal : RecipientCheck.NonLocal;
            if (!_domains.Contains(NormalizeDomain(address.Substring(at + 1))))
                return RecipientCheck.NonLocal;
            var account = Lookup(address);
            return account != null && account.Enabled ? RecipientCheck.Local : RecipientCheck.UnknownLocal;
        }

        public async Task<bool> AuthenticateAsync(string user, string password, CancellationToken cancellationToken)
        {
            var account = await _store.Accounts.VerifyPasswordAsync(user, password, cancellationToken).ConfigureAwait(false);
            return account != null && account.Enabled;
        }

        /// <summary>XOAUTH2: the token configured for the user, compared in constant time.</summary>
        public async Task<bool> AuthenticateBearerAsync(string user, string token, CancellationToken cancellationToken)
        {
            if (!_bearerTokens.TryGetValue(user, out var expected) || !FixedTimeEquals(expected, token))
                return false;
            var account = await _store.Accounts.GetAsync(user, cancellationToken).ConfigureAwait(false);
            return account != null && account.Enabled;
        }

        private static bool FixedTimeEquals(string a, string b)
        {
            var x = Encoding.UTF8.GetBytes(a);
            var y = Encoding.UTF8.GetBytes(b);
            int difference = x.Length ^ y.Length;
            for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
                difference |= x[i] ^ y[i];
            return difference == 0;
        }

        /// <summary>
        /// One copy per distinct recipient, each with a Delivered-To line so that a catch-all
        /// mailbox (and Get-MailServerMessage -To) can tell them apart. Returns when every copy
        /// is durably stored; any failure fails the whole transaction, so the client retries
        /// rather than the message being lost for one recipient.
        /// </summary>
        public async Task DeliverAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var recipient in envelope.Recipients)
            {
                if (!seen.Add(recipient.Address)) continue;
                var account = _catchAll ?? recipient.Address;
                var copy = WithDeliveredTo(recipient.Address, message.Span);
                try
                {
                    await _store.DeliverAsync(account, "INBOX", copy, envelope.ReceivedAt, cancellationToken).ConfigureAwait(false);
                }
                catch (QuotaExceededException ex)
                {
                    throw new SmtpDeliveryException(new SmtpReply(552, "5.2.2", $"Mailbox of {recipient.Address} is full"), ex);
                }
                catch (Exception ex) when (ex is AccountNotFoundException || ex is AccountDisabledException)
                {
                    throw new SmtpDeliveryException(new SmtpReply(550, "5.1.1", $"Mailbox {recipient.Address} is unavailable"), ex);
                }
                catch (IOException ex)
                {
                    throw new SmtpDeliveryException(new SmtpReply(452, "4.3.1", "Insufficient system storage; try again later"), ex);
                }
            }
        }

        private MailAccount? Lookup(string address) =>
            _store.Accounts.GetAsync(address).GetAwaiter().GetResult();

        private static byte[] WithDeliveredTo(string recipient, ReadOnlySpan<byte> message)
        {
            var header = Encoding.UTF8.GetBytes("Delivered-To: " + recipient + "\r\n");
            var copy = new byte[header.Length + message.Length];
            Buffer.BlockCopy(header, 0, copy, 0, header.Length);
            message.CopyTo(copy.AsSpan(header.Length));
            return copy;
        }

        private static string NormalizeDomain(string domain)
        {
            domain = domain.Trim().TrimEnd('.');
            try { return new System.Globalization.IdnMapping().GetAscii(domain).ToLowerInvariant(); }
            catch (ArgumentException) { return domain.ToLowerInvariant(); }
        }
    }
}
