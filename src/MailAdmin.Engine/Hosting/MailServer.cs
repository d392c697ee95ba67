using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Messages;
using MailAdmin.Store;

namespace MailAdmin.Hosting
{
    public enum MailServerStatus { Starting, Running, Stopping, Stopped }

    /// <summary>One listening endpoint: protocol, address and the port really bound.</summary>
    public sealed class MailServerEndpoint
    {
        public MailServerEndpoint(string protocol, IPEndPoint endPoint)
        {
            Protocol = protocol;
            EndPoint = endPoint;
        }

        /// <summary>smtp, submission, smtps, imap, imaps, pop3 or pop3s.</summary>
        public string Protocol { get; }
        public IPEndPoint EndPoint { get; }
        public int Port => EndPoint.Port;
        public string Address => EndPoint.Address.ToString();

        public override string ToString() =>
            EndPoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? $"{Protocol}://[{EndPoint.Address}]:{EndPoint.Port}"
                : $"{Protocol}://{EndPoint.Address}:{EndPoint.Port}";
    }

    /// <summary>
    /// A running MailAdmin server: the store, and the SMTP and POP3 listeners over it. Built
    /// and started by Start-MailServer; the same object is what Get-MailServer shows.
    /// </summary>
    public sealed class MailServer : IDisposable
    {
        private readonly SmtpServer _smtp;
        private readonly ImapServer? _imap;
        private readonly Pop3Server? _pop3;
        private readonly ProtocolLogFile? _log;
        private int _stopped;

        private MailServer(MailServerOptions options, IMailStore store, StoreSmtpBackend backend, SmtpServer smtp, ImapServer? imap, Pop3Server? pop3, ProtocolLogFile? log)
        {
            Options = options;
            Store = store;
            Backend = backend;
            _smtp = smtp;
            _imap = imap;
            _pop3 = pop3;
            _log = log;
            Statistics = new MailServerStatistics(smtp.Statistics, imap?.Statistics, pop3?.Statistics);
        }

        public string Name => Options.Name;
        public MailServerStatus Status { get; private set; } = MailServerStatus.Starting;
        public IReadOnlyList<MailServerEndpoint> Endpoints { get; private set; } = new MailServerEndpoint[0];
        /// <summary>The store root, or null for an in-memory server.</summary>
        public string? Path => Options.InMemory ? null : Options.Path;
        public DateTimeOffset StartTime { get; private set; }
        public IReadOnlyCollection<string> Domains => Backend.Domains;
        public string? CatchAll => Options.CatchAll;

        /// <summary>True when mail to <paramref name="domain"/> is delivered here (a catch-all takes every domain).</summary>
        public bool ServesDomain(string domain) => CatchAll != null || Backend.Serves(domain);

        /// <summary>True when the server was started with -Domain; otherwise it serves the lab defaults (localhost, the host name).</summary>
        public bool HasExplicitDomains => Options.Domains.Count > 0;

        /// <summary>Delivers <paramref name="domain"/> locally from now on, until the server stops.</summary>
        public void AddDomain(string domain) => Backend.AddDomain(domain);
        /// <summary>Live counters per protocol.</summary>
        public MailServerStatistics Statistics { get; }
        public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate => Options.Certificate;
        public IMailStore Store { get; }
        public MailServerOptions Options { get; }
        internal StoreSmtpBackend Backend { get; }

        /// <summary>The port of the first endpoint of a protocol, e.g. Port("smtp").</summary>
        public int? Port(string protocol) => Endpoints.FirstOrDefault(e => string.Equals(e.Protocol, protocol, StringComparison.OrdinalIgnoreCase))?.Port;

        public static async Task<MailServer> StartAsync(MailServerOptions options, CancellationToken cancellationToken = default)
        {
            if (!options.InMemory && string.IsNullOrEmpty(options.Path))
                options.Path = MailServerOptions.DefaultStorePath();
            IMailStore store = options.InMemory ? new InMemoryStore() : new MaildirStore(options.Path!);
            try
            {
                if (options.Certificate == null)
                    options.Certificate = options.InMemory
                        ? TlsCertificates.CreateSelfSigned(options.HostName)
                        : TlsCertificates.GetOrCreateSelfSigned(options.Path!, options.HostName);

                var domains = options.Domains.Count > 0 ? options.Domains : new List<string> { "localhost", options.HostName };
                if (options.CatchAll != null && await store.Accounts.GetAsync(options.CatchAll, cancellationToken).ConfigureAwait(false) == null)
                {
                    // The catch-all mailbox needs an account; its password is random until an admin sets one.
                    await store.Accounts.AddAsync(options.CatchAll, Guid.NewGuid().ToString("N"), cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                var backend = new StoreSmtpBackend(store, domains, options.CatchAll, options.BearerTokens);

                var log = options.LogPath != null ? new ProtocolLogFile(options.LogPath) : null;
                var smtpOptions = new SmtpServerOptions
                {
                    HostName = options.HostName,
                    Certificate = options.Certificate,
                    AllowInsecureAuth = options.AllowInsecureAuth,
                    MaxMessageSize = options.MaxMessageSize,
                    // There is no outbound queue: mail for other domains is refused, even after AUTH.
                    AllowRelayForAuthenticated = false,
                    EnableXOAuth2 = options.BearerTokens != null && options.BearerTokens.Count > 0,
                };
                if (log != null) smtpOptions.ProtocolLog = log.Write;
                AddListener(smtpOptions, SmtpListenerMode.Smtp, options.SmtpPort, options.IPAddress);
                AddListener(smtpOptions, SmtpListenerMode.Submission, options.SubmissionPort, options.IPAddress);
                AddListener(smtpOptions, SmtpListenerMode.Smtps, options.SmtpsPort, options.IPAddress);
                options.ConfigureSmtp?.Invoke(smtpOptions);

                var smtp = new SmtpServer(smtpOptions, backend);
                var imap = CreateImap(options, store, log);
                var pop3 = CreatePop3(options, store, log);
                var server = new MailServer(options, store, backend, smtp, imap, pop3, log);
                try
                {
                    await smtp.StartAsync(cancellationToken).ConfigureAwait(false);
                    if (imap != null) await imap.StartAsync(cancellationToken).ConfigureAwait(false);
                    if (pop3 != null) await pop3.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // All listeners or none: a port in use must not leave half a server running.
                    smtp.Dispose();
                    imap?.Dispose();
                    pop3?.Dispose();
                    log?.Dispose();
                    throw;
                }
                var endpoints = smtp.Endpoints.Select(b => new MailServerEndpoint(b.Mode.ToString().ToLowerInvariant(), b.EndPoint)).ToList();
                if (imap != null)
                    endpoints.AddRange(imap.Endpoints.Select(b => new MailServerEndpoint(b.Mode.ToString().ToLowerInvariant(), b.EndPoint)));
                if (pop3 != null)
                    endpoints.AddRange(pop3.Endpoints.Select(b => new MailServerEndpoint(b.Mode.ToString().ToLowerInvariant(), b.EndPoint)));
                server.Endpoints = endpoints;
                server.StartTime = DateTimeOffset.Now;
                server.Status = MailServerStatus.Running;
                return server;
            }
            catch
            {
                store.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Stops accepting, lets deliveries in progress finish (sessions get 421 at their next
        /// command), then closes the store. Safe to call twice.
        /// </summary>
        public async Task StopAsync(TimeSpan? grace = null)
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
            Status = MailServerStatus.Stopping;
            try
            {
                // The token bounds how long in-flight sessions may take to finish.
                using var patience = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(10));
                var stops = new List<Task> { _smtp.StopAsync(patience.Token) };
                if (_imap != null) stops.Add(_imap.StopAsync(patience.Token));
                if (_pop3 != null) stops.Add(_pop3.StopAsync(patience.Token));
                await Task.WhenAll(stops).ConfigureAwait(false);
            }
            finally
            {
                Store.Dispose();
                _log?.Dispose();
                Status = MailServerStatus.Stopped;
            }
        }

        /// <summary>Messages in a mailbox folder as the module's message type, oldest first.</summary>
        public async Task<IReadOnlyList<MailMessage>> ReadMessagesAsync(string account, string folder, CancellationToken cancellationToken)
        {
            var result = new List<MailMessage>();
            foreach (var stored in Store.ListMessages(account, folder))
            {
                byte[] bytes;
                try { bytes = await Store.ReadMessageAsync(account, folder, stored.Uid, cancellationToken).ConfigureAwait(false); }
                catch (MessageNotFoundException) { continue; } // expunged meanwhile
                result.Add(MailMessage.FromBytes(bytes, new StoreOrigin(Name, account, folder, stored.Uid, null)));
            }
            return result;
        }

        public void Dispose() => StopAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();

        public override string ToString() => $"{Name} ({Status})";

        private static ImapServer? CreateImap(MailServerOptions options, IMailStore store, ProtocolLogFile? log)
        {
            if (!options.ImapPort.HasValue && !options.ImapsPort.HasValue)
                return null;
            var imapOptions = new ImapServerOptions
            {
                HostName = options.HostName,
                Certificate = options.Certificate,
                AllowInsecureAuth = options.AllowInsecureAuth,
                BearerTokens = options.BearerTokens,
                AppendLimit = options.MaxMessageSize,
            };
            if (options.ImapPort.HasValue) imapOptions.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imap, options.ImapPort.Value, options.IPAddress));
            if (options.ImapsPort.HasValue) imapOptions.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imaps, options.ImapsPort.Value, options.IPAddress));
            if (log != null) imapOptions.ProtocolLog = log.Write;
            options.ConfigureImap?.Invoke(imapOptions);
            return new ImapServer(imapOptions, store);
        }

        private static Pop3Server? CreatePop3(MailServerOptions options, IMailStore store, ProtocolLogFile? log)
        {
            if (!options.Pop3Port.HasValue && !options.Pop3sPort.HasValue)
                return null;
            var pop3Options = new Pop3ServerOptions
            {
                HostName = options.HostName,
                Certificate = options.Certificate,
                AllowInsecureAuth = options.AllowInsecureAuth,
            };
            if (options.Pop3Port.HasValue) pop3Options.Listeners.Add(new Pop3ListenerOptions(Pop3ListenerMode.Pop3, options.Pop3Port.Value, options.IPAddress));
            if (options.Pop3sPort.HasValue) pop3Options.Listeners.Add(new Pop3ListenerOptions(Pop3ListenerMode.Pop3s, options.Pop3sPort.Value, options.IPAddress));
            if (log != null) pop3Options.ProtocolLog = log.Write;
            options.ConfigurePop3?.Invoke(pop3Options);
            return new Pop3Server(pop3Options, store);
        }

        private static void AddListener(SmtpServerOptions smtp, SmtpListenerMode mode, int? port, IPAddress address)
        {
            if (port.HasValue)
                smtp.Listeners.Add(new SmtpListenerOptions(mode, port.Value, address));
        }
    }
}
