using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Delivery;
using MailAdmin.Hosting.Http;
using MailAdmin.Messages;
using MailAdmin.Protocols.Sasl;
using MailAdmin.Protocols.Smtp.Faults;
using MailAdmin.Store;

namespace MailAdmin.Hosting;

public enum MailServerStatus { Starting, Running, Stopping, Stopped }

/// <summary>One listening endpoint: protocol, address and the port really bound.</summary>
public sealed class MailServerEndpoint
{
    public MailServerEndpoint(string protocol, IPEndPoint endPoint)
    {
        Protocol = protocol;
        EndPoint = endPoint;
    }

    /// <summary>smtp, submission, smtps, imap, imaps, pop3, pop3s or http.</summary>
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
    private HttpServer? _http;
    private MailpitApi? _api;
    private readonly object _closeGate = new();
    private int _stopped;

    private MailServer(MailServerOptions options, IMailStore store, StoreSmtpBackend backend, SmtpServer smtp, ImapServer? imap, Pop3Server? pop3, ProtocolLogFile? log, OutboundQueue queue, IMessageTrace trace)
    {
        Queue = queue;
        Trace = trace;
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

    /// <summary>
    /// The account that takes mail for postmaster now: -Postmaster when that account exists, else the
    /// first account created; null when there is none (RCPT TO:&lt;postmaster&gt; is then refused, and
    /// Start-MailServer warns).
    /// </summary>
    public string? PostmasterAccount => Backend.ResolvePostmaster();

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
    /// <summary>The SMTP fault rules (Add-MailServerRule): changed live, consulted by every session.</summary>
    public SmtpFaultRuleSet Rules => _smtp.Options.FaultRules!;
    internal StoreSmtpBackend Backend { get; }
    /// <summary>Mail waiting for other servers (Get-MailQueue, Get-MailQueueMessage).</summary>
    public OutboundQueue Queue { get; }
    /// <summary>Every step of every message (Get-MailMessageTrace).</summary>
    public IMessageTrace Trace { get; }

    /// <summary>The port of the first endpoint of a protocol, e.g. Port("smtp").</summary>
    public int? Port(string protocol) => Endpoints.FirstOrDefault(e => string.Equals(e.Protocol, protocol, StringComparison.OrdinalIgnoreCase))?.Port;

    public static async Task<MailServer> StartAsync(MailServerOptions options, CancellationToken cancellationToken = default)
    {
        if (!options.InMemory && string.IsNullOrEmpty(options.Path))
            options.Path = MailServerOptions.DefaultStorePath();
        if (options.DefaultQuota < 0) throw new ArgumentOutOfRangeException(nameof(options), "DefaultQuota cannot be negative (0: no default quota).");
        // Before anything is opened: a mistyped -RelayNetwork is a clear start failure, not a half-built server.
        MailAdmin.Protocols.Smtp.SmtpRelayNetworks.Parse(options.RelayNetworks);
        CheckHttpExposure(options);
        var rules = new SmtpFaultRuleSet(options.Name);
        foreach (var rule in options.Rules) rules.Add(rule);
        IMailStore store = options.InMemory ? new InMemoryStore() : new MaildirStore(options.Path!);
        store.DefaultQuota = options.DefaultQuota > 0 ? options.DefaultQuota : (long?)null;
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
            var (queue, trace) = CreateOutbound(options, store, backend);
            // One login service for the three protocols: the penalty of an address counts its failures everywhere.
            store.Accounts.CredentialCacheTtl = options.AuthCacheTtl;
            var authenticator = new SaslAuthenticator(new StoreCredentials(store.Accounts, options.BearerTokens), options.LoginPenalty);

            var log = options.LogPath != null ? new ProtocolLogFile(options.LogPath) : null;
            var smtpOptions = new SmtpServerOptions
            {
                MaxMessageSize = options.MaxMessageSize,
                MaxRecipients = options.MaxRecipients,
                // Mail for other domains goes to the outbound queue: from authenticated clients and -RelayNetwork only.
                AllowRelayForAuthenticated = true,
                RelayNetworks = options.RelayNetworks,
                EnableXOAuth2 = options.BearerTokens != null && options.BearerTokens.Count > 0,
                Authenticator = authenticator,
                FaultRules = rules,
            };
            ApplyShared(options, smtpOptions, log);
            AddListener(smtpOptions, SmtpListenerMode.Smtp, options.SmtpPort, options.IPAddress);
            AddListener(smtpOptions, SmtpListenerMode.Submission, options.SubmissionPort, options.IPAddress);
            AddListener(smtpOptions, SmtpListenerMode.Smtps, options.SmtpsPort, options.IPAddress);
            options.ConfigureSmtp?.Invoke(smtpOptions);

            var smtp = new SmtpServer(smtpOptions, backend);
            var imap = CreateImap(options, store, log, authenticator);
            var pop3 = CreatePop3(options, store, log, authenticator);
            // One count of connections (and of logged-in sessions per account) across the protocols.
            var connections = new ConnectionLimiter<IPAddress>();
            var accounts = new ConnectionLimiter<string>(StringComparer.OrdinalIgnoreCase);
            smtp.ConnectionLimits = connections;
            if (imap != null) { imap.ConnectionLimits = connections; imap.AccountSessions = accounts; }
            if (pop3 != null) { pop3.ConnectionLimits = connections; pop3.AccountSessions = accounts; }
            var server = new MailServer(options, store, backend, smtp, imap, pop3, log, queue, trace);
            try
            {
                queue.Start();
                await smtp.StartAsync(cancellationToken).ConfigureAwait(false);
                if (imap != null) await imap.StartAsync(cancellationToken).ConfigureAwait(false);
                if (pop3 != null) await pop3.StartAsync(cancellationToken).ConfigureAwait(false);
                server.StartHttp();
            }
            catch
            {
                // All listeners or none: a port in use must not leave half a server running.
                server.StopHttp();
                smtp.Dispose();
                imap?.Dispose();
                pop3?.Dispose();
                queue.Dispose();
                (trace as IDisposable)?.Dispose();
                log?.Dispose();
                throw;
            }
            var endpoints = smtp.Endpoints.Select(b => new MailServerEndpoint(b.Mode.ToString().ToLowerInvariant(), b.EndPoint)).ToList();
            if (imap != null)
                endpoints.AddRange(imap.Endpoints.Select(b => new MailServerEndpoint(b.Mode.ToString().ToLowerInvariant(), b.EndPoint)));
            if (pop3 != null)
                endpoints.AddRange(pop3.Endpoints.Select(b => new MailServerEndpoint(b.Mode.ToString().ToLowerInvariant(), b.EndPoint)));
            if (server._http != null)
                endpoints.Add(new MailServerEndpoint("http", server._http.EndPoint));
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
    /// Stops accepting, lets deliveries in progress finish for <see cref="MailServerOptions.StopGrace"/>
    /// (or <paramref name="grace"/>; sessions get 421/BYE/-ERR at their next command), aborts the
    /// sessions still open, then closes the store. Returns within the grace plus a few seconds.
    /// Safe to call twice.
    /// </summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        Status = MailServerStatus.Stopping;
        // Event streams would hold the page open forever: HTTP stops at once.
        StopHttp();
        try
        {
            using var patience = new CancellationTokenSource(grace ?? Options.StopGrace);
            var stops = new List<Task> { _smtp.StopAsync(patience.Token) };
            if (_imap != null) stops.Add(_imap.StopAsync(patience.Token));
            if (_pop3 != null) stops.Add(_pop3.StopAsync(patience.Token));
            stops.Add(Queue.StopAsync(patience.Token));
            await Task.WhenAll(stops).ConfigureAwait(false);
        }
        finally
        {
            Close();
        }
    }

    /// <summary>
    /// <see cref="StopAsync"/> for callers that must not wait longer than a bound (Stop-MailServer,
    /// module removal): when the graceful stop has not ended by the grace plus
    /// <see cref="StopOverrun"/> (a starved thread pool, a session stuck in a call that ignores
    /// cancellation), every session is aborted and the store closed at once.
    /// </summary>
    public void Stop(TimeSpan? grace = null)
    {
        var bound = (grace ?? Options.StopGrace) + StopOverrun;
        var stopping = Task.Run(() => StopAsync(grace));
        try
        {
            if (stopping.Wait(bound)) return;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
        StopHttp();
        _smtp.Dispose();
        _imap?.Dispose();
        _pop3?.Dispose();
        Close();
    }

    /// <summary>
    /// The HTTP listener serves every mailbox to whoever connects: on an address other hosts reach
    /// it must ask for a password. Refused before anything is opened.
    /// </summary>
    private static void CheckHttpExposure(MailServerOptions options)
    {
        if (options.HttpPort.HasValue && options.HttpCredential == null && !IPAddress.IsLoopback(options.IPAddress))
            throw new InsecureHttpException(
                $"The HTTP listener would serve every mailbox on {options.IPAddress} without a password: give -HttpCredential, or bind to loopback (the default).");
    }

    private void StartHttp()
    {
        if (!Options.HttpPort.HasValue) return;
        _api = new MailpitApi(Store);
        var authentication = Options.HttpCredential != null ? new BasicAuthentication(Options.HttpCredential) : null;
        _http = new HttpServer(new IPEndPoint(Options.IPAddress, Options.HttpPort.Value), Options.HttpLimits, authentication, _api.HandleAsync);
        _http.Start();
    }

    private void StopHttp()
    {
        _http?.Dispose();
        _api?.Dispose();
    }

    /// <summary>How far past its grace a <see cref="Stop"/> may run before it aborts everything.</summary>
    public static readonly TimeSpan StopOverrun = TimeSpan.FromSeconds(10);

    private void Close()
    {
        lock (_closeGate)
        {
            if (Status == MailServerStatus.Stopped) return;
            Queue.Dispose();
            (Trace as IDisposable)?.Dispose();
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

    public void Dispose() => Stop(TimeSpan.FromSeconds(2));

    public override string ToString() => $"{Name} ({Status})";

    /// <summary>The outbound side: queue (in the store, or in memory), transport, notices and the message trace.</summary>
    private static (OutboundQueue, IMessageTrace) CreateOutbound(MailServerOptions options, IMailStore store, StoreSmtpBackend backend)
    {
        var delivery = options.Delivery;
        if (string.IsNullOrEmpty(delivery.HostName) || delivery.HostName == "localhost") delivery.HostName = options.HostName;
        // A file next to -LogPath or in the store (JsonLinesMessageTrace.PathFor); in memory only for -InMemory without a log.
        var tracePath = JsonLinesMessageTrace.PathFor(options);
        IMessageTrace trace = tracePath != null ? new JsonLinesMessageTrace(tracePath) : new InMemoryMessageTrace();
        IQueueStore queueStore = options.InMemory ? new InMemoryQueueStore() : new FileQueueStore(System.IO.Path.Combine(options.Path!, "queue"));
        var queue = new OutboundQueue(delivery, queueStore, new SmtpOutboundTransport(delivery), trace);
        var notices = new NoticeSender(store, d => backend.Serves(d), backend.ResolveLocal, queue, trace, options.HostName);
        queue.Notices = notices;
        backend.Queue = queue;
        backend.Notices = notices;
        backend.Trace = trace;
        backend.Postmaster = options.Postmaster;
        return (queue, trace);
    }

    private static ImapServer? CreateImap(MailServerOptions options, IMailStore store, ProtocolLogFile? log, SaslAuthenticator authenticator)
    {
        if (!options.ImapPort.HasValue && !options.ImapsPort.HasValue)
            return null;
        var imapOptions = new ImapServerOptions
        {
            BearerTokens = options.BearerTokens,
            AppendLimit = options.MaxMessageSize,
            MaxConnectionsPerAccount = options.MaxConnectionsPerAccount,
            Authenticator = authenticator,
        };
        ApplyShared(options, imapOptions, log);
        if (options.ImapPort.HasValue) imapOptions.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imap, options.ImapPort.Value, options.IPAddress));
        if (options.ImapsPort.HasValue) imapOptions.Listeners.Add(new ImapListenerOptions(ImapListenerMode.Imaps, options.ImapsPort.Value, options.IPAddress));
        options.ConfigureImap?.Invoke(imapOptions);
        return new ImapServer(imapOptions, store);
    }

    private static Pop3Server? CreatePop3(MailServerOptions options, IMailStore store, ProtocolLogFile? log, SaslAuthenticator authenticator)
    {
        if (!options.Pop3Port.HasValue && !options.Pop3sPort.HasValue)
            return null;
        var pop3Options = new Pop3ServerOptions { Authenticator = authenticator };
        ApplyShared(options, pop3Options, log);
        if (options.Pop3Port.HasValue) pop3Options.Listeners.Add(new Pop3ListenerOptions(Pop3ListenerMode.Pop3, options.Pop3Port.Value, options.IPAddress));
        if (options.Pop3sPort.HasValue) pop3Options.Listeners.Add(new Pop3ListenerOptions(Pop3ListenerMode.Pop3s, options.Pop3sPort.Value, options.IPAddress));
        options.ConfigurePop3?.Invoke(pop3Options);
        return new Pop3Server(pop3Options, store);
    }

    /// <summary>What every protocol takes from the server's options: name, TLS, limits, timeouts, log.</summary>
    private static void ApplyShared(MailServerOptions options, ServerOptions target, ProtocolLogFile? log)
    {
        target.HostName = options.HostName;
        target.Certificate = options.Certificate;
        target.AllowInsecureAuth = options.AllowInsecureAuth;
        target.MaxConnections = options.MaxConnections;
        target.MaxConnectionsPerAddress = options.MaxConnectionsPerAddress;
        target.StopGrace = options.StopGrace;
        if (options.IdleTimeout is TimeSpan idle) target.IdleTimeout = idle;
        if (log != null) target.ProtocolLog = log.Write;
    }

    private static void AddListener(SmtpServerOptions smtp, SmtpListenerMode mode, int? port, IPAddress address)
    {
        if (port.HasValue)
            smtp.Listeners.Add(new SmtpListenerOptions(mode, port.Value, address));
    }
}
