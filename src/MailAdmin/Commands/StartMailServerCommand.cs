using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;
using MailAdmin.Hosting;

namespace MailAdmin.Commands;

/// <summary>Start-MailServer: hosts SMTP (and later IMAP/POP3) over a Maildir or in-memory store.</summary>
[Cmdlet(VerbsLifecycle.Start, "MailServer", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MailServer))]
public sealed class StartMailServerCommand : MailAdminCmdlet
{
    private const string PathSet = "Path";
    private const string InMemorySet = "InMemory";

    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "MailAdmin";

    [Parameter(ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = InMemorySet)]
    public SwitchParameter InMemory { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Domain { get; set; }

    [Parameter]
    [ValidateNotNull]
    public IPAddress? IPAddress { get; set; }

    [Parameter]
    [ValidateRange(0, 65535)]
    public int SmtpPort { get; set; } = MailServerOptions.DefaultSmtpPort;

    [Parameter]
    [ValidateRange(0, 65535)]
    public int SubmissionPort { get; set; } = MailServerOptions.DefaultSubmissionPort;

    [Parameter]
    [ValidateRange(0, 65535)]
    public int SmtpsPort { get; set; }

    [Parameter]
    [ValidateRange(0, 65535)]
    public int ImapPort { get; set; } = MailServerOptions.DefaultImapPort;

    [Parameter]
    [ValidateRange(0, 65535)]
    public int ImapsPort { get; set; } = MailServerOptions.DefaultImapsPort;

    [Parameter]
    [ValidateRange(0, 65535)]
    public int Pop3Port { get; set; } = MailServerOptions.DefaultPop3Port;

    [Parameter]
    [ValidateRange(0, 65535)]
    public int Pop3sPort { get; set; } = MailServerOptions.DefaultPop3sPort;

    /// <summary>Every port not given explicitly is chosen free by the system (port 0): for fixtures and tests.</summary>
    [Parameter]
    public SwitchParameter FreePorts { get; set; }

    /// <summary>The web inbox and Mailpit-compatible API; off unless this or -Http is given (0: a free port).</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int HttpPort { get; set; } = MailServerOptions.DefaultHttpPort;

    /// <summary>Turns HTTP on at the default port (8025, as Mailpit), or a free one with -FreePorts.</summary>
    [Parameter]
    public SwitchParameter Http { get; set; }

    /// <summary>HTTP Basic credentials for the page and API; required to serve HTTP on an address other than loopback.</summary>
    [Parameter]
    [ValidateNotNull]
    public PSCredential? HttpCredential { get; set; }

    /// <summary>Protocols to leave off, e.g. -Disable Imap, Pop3.</summary>
    [Parameter]
    [ValidateSet("Smtp", "Submission", "Smtps", "Imap", "Imaps", "Pop3", "Pop3s", IgnoreCase = true)]
    public string[]? Disable { get; set; }

    /// <summary>An X509Certificate2, or the path of a PFX or PEM file.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Certificate { get; set; }

    [Parameter]
    public SecureString? CertificatePassword { get; set; }

    [Parameter]
    public SwitchParameter CatchAll { get; set; }

    [Parameter]
    [ValidateRange(1024, long.MaxValue)]
    public long MaxMessageSize { get; set; } = 25 * 1024 * 1024;

    [Parameter]
    [ValidateRange(1, 100000)]
    public int MaxConnections { get; set; } = MailServerOptions.DefaultMaxConnections;

    [Parameter]
    [ValidateRange(1, 100000)]
    public int MaxConnectionsPerAddress { get; set; } = MailServerOptions.DefaultMaxConnectionsPerAddress;

    [Parameter]
    [ValidateRange(1, 10000)]
    public int MaxConnectionsPerAccount { get; set; } = MailServerOptions.DefaultMaxConnectionsPerAccount;

    /// <summary>Seconds; not given = each protocol's RFC value.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int IdleTimeout { get; set; }

    [Parameter]
    [ValidateRange(1, 100000)]
    public int MaxRecipients { get; set; } = MailServerOptions.DefaultMaxRecipients;

    [Parameter]
    public SwitchParameter AllowInsecureAuth { get; set; }

    // ---- logins: the verified-credential cache (see MailServerOptions.AuthCacheTtl)
    [Parameter]
    [ValidateTimeSpanRange("00:00:00", "1.00:00:00")]
    public TimeSpan AuthCacheTtl { get; set; } = MailServerOptions.DefaultAuthCacheTtl;
    // ---- end of logins

    /// <summary>Quota in bytes of accounts without their own (New-MailAccount -Quota); 0: none.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long DefaultQuota { get; set; } = MailServerOptions.StandardDefaultQuota;

    /// <summary>Bearer tokens for AUTH XOAUTH2, as @{ address = token }; XOAUTH2 is offered only with them.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? OAuthToken { get; set; }

    /// <summary>SMTP fault rules to start with: hashtables keyed by Add-MailServerRule's parameter names.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable[]? Rule { get; set; }

    // ---- outbound mail (MailServerOptions.RelayNetworks, Postmaster, Delivery)
    /// <summary>Clients (CIDR or single addresses) that may relay without AUTH.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RelayNetwork { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Postmaster { get; set; }

    /// <summary>"host" or "host:port" ("[v6]:port"); without it, delivery goes to the recipients' MX hosts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Smarthost { get; set; }

    [Parameter]
    [Credential]
    [ValidateNotNull]
    public PSCredential? SmarthostCredential { get; set; }

    [Parameter]
    public MailSecurity SmarthostSecure { get; set; } = MailSecurity.Auto;

    [Parameter]
    public SwitchParameter SmarthostSkipCertificateCheck { get; set; }

    [Parameter]
    public SwitchParameter RequireTls { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? DnsServer { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int DeliveryPort { get; set; } = 25;

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateTimeSpanRange("00:00:01", "30.00:00:00")]
    public TimeSpan[]? RetrySchedule { get; set; }

    [Parameter]
    [ValidateTimeSpanRange("00:00:01", "365.00:00:00")]
    public TimeSpan MaxQueueLifetime { get; set; } = TimeSpan.FromDays(5);

    [Parameter]
    [ValidateRange(1, 1000)]
    public int MaxConnectionsPerDestination { get; set; } = 10;
    // ---- end of outbound mail

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigurationPath { get; set; }

    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void EndProcessing()
    {
        if (ConfigurationPath != null)
        {
            // The file bypasses parameter binding; MailServerConfiguration checks its values against the same validation attributes.
            try { MailServerConfiguration.Apply(this, ResolveOutputPath(ConfigurationPath), MyInvocation.BoundParameters); }
            catch (ConfigurationValueOutOfRangeException ex) { ThrowTerminating(ex, "MailServerParameterOutOfRange", ErrorCategory.InvalidArgument, ConfigurationPath); }
        }

        if (MailServerRegistry.Find(Name) != null)
            ThrowTerminating(new InvalidOperationException($"A mail server named '{Name}' is already running. Stop it, or give -Name."), "MailServerExists", ErrorCategory.ResourceExists, Name);

        var options = BuildOptions();
        MailServer? server = null;
        try
        {
            RunAsync(async token => server = await MailServer.StartAsync(options, token).ConfigureAwait(false));
        }
        catch (MailAdmin.Hosting.Http.InsecureHttpException ex)
        {
            ThrowTerminating(ex, "MailServerHttpWithoutCredential", ErrorCategory.SecurityError, Name);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException || ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException || ex is System.Security.Cryptography.CryptographicException)
        {
            ThrowTerminating(new InvalidOperationException($"The mail server could not start: {ex.Message}", ex), "MailServerStartFailed", ErrorCategory.OpenError, Name);
        }
        MailServerRegistry.TryAdd(server!);
        WriteVerbose($"Mail server '{Name}' listening on {string.Join(", ", server!.Endpoints)}.");
        WarnWithoutPostmaster(server);
        WriteObject(server);

        if (!Wait) return;
        WriteVerbose("Running until Ctrl+C.");
        try
        {
            RunAsync(token => Task.Delay(Timeout.Infinite, token));
        }
        finally
        {
            // Ctrl+C: deliveries in progress finish, idle sessions get 421, nothing is half-written.
            server.Stop();
            MailServerRegistry.Remove(server);
        }
    }

    private MailServerOptions BuildOptions()
    {
        var options = new MailServerOptions
        {
            Name = Name,
            InMemory = InMemory,
            Path = InMemory ? null : (Path != null ? ResolveOutputPath(Path) : MailServerOptions.DefaultStorePath()),
            IPAddress = IPAddress ?? IPAddress.Loopback,
            SmtpPort = Enabled("Smtp") ? PortFor(nameof(SmtpPort), SmtpPort) : (int?)null,
            SubmissionPort = Enabled("Submission") ? PortFor(nameof(SubmissionPort), SubmissionPort) : (int?)null,
            SmtpsPort = Enabled("Smtps") && MyInvocation.BoundParameters.ContainsKey(nameof(SmtpsPort)) ? SmtpsPort : (int?)null,
            ImapPort = Enabled("Imap") ? PortFor(nameof(ImapPort), ImapPort) : (int?)null,
            ImapsPort = Enabled("Imaps") ? PortFor(nameof(ImapsPort), ImapsPort) : (int?)null,
            Pop3Port = Enabled("Pop3") ? PortFor(nameof(Pop3Port), Pop3Port) : (int?)null,
            Pop3sPort = Enabled("Pop3s") ? PortFor(nameof(Pop3sPort), Pop3sPort) : (int?)null,
            HttpPort = Http || MyInvocation.BoundParameters.ContainsKey(nameof(HttpPort)) ? PortFor(nameof(HttpPort), HttpPort) : (int?)null,
            HttpCredential = HttpCredential?.GetNetworkCredential(),
            MaxMessageSize = MaxMessageSize,
            MaxConnections = MaxConnections,
            MaxConnectionsPerAddress = MaxConnectionsPerAddress,
            MaxConnectionsPerAccount = MaxConnectionsPerAccount,
            IdleTimeout = MyInvocation.BoundParameters.ContainsKey(nameof(IdleTimeout)) ? TimeSpan.FromSeconds(IdleTimeout) : (TimeSpan?)null,
            MaxRecipients = MaxRecipients,
            DefaultQuota = DefaultQuota >= 0 ? DefaultQuota : throw new PSArgumentOutOfRangeException(nameof(DefaultQuota), DefaultQuota, "DefaultQuota cannot be negative (0: no default quota)."),
            AllowInsecureAuth = AllowInsecureAuth,
            AuthCacheTtl = AuthCacheTtl,
            LogPath = LogPath != null ? ResolveOutputPath(LogPath) : null,
        };
        if (HostName != null) options.HostName = HostName;
        if (Domain != null) options.Domains = Domain.ToList();
        if (CatchAll)
            options.CatchAll = "catchall@" + (Domain?.FirstOrDefault() ?? "localhost");
        if (Certificate != null)
            options.Certificate = LoadCertificate(Certificate);
        ApplyOutbound(options);
        if (Rule != null)
            options.Rules = MailServerRuleDefinition.ToRules(Rule, error => ThrowTerminating(error, "MailServerRuleInvalid", ErrorCategory.InvalidArgument, null));
        if (OAuthToken != null)
            options.BearerTokens = OAuthToken.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString() ?? string.Empty, StringComparer.OrdinalIgnoreCase);
        return options;
    }

    /// <summary>Relay, postmaster and delivery settings, checked here so that -ConfigurationPath values get the same checks.</summary>
    private void ApplyOutbound(MailServerOptions options)
    {
        if (RelayNetwork != null)
        {
            foreach (var network in RelayNetwork)
            {
                if (OutboundArguments.CheckNetwork(network) is string error)
                    ThrowTerminating(new ArgumentException($"-RelayNetwork '{network}': {error}"), "MailServerRelayNetworkInvalid", ErrorCategory.InvalidArgument, network);
            }
            options.RelayNetworks = RelayNetwork.Select(n => n.Trim()).ToList();
        }
        if (Postmaster != null)
        {
            if (!OutboundArguments.IsAddress(Postmaster))
                ThrowTerminating(new ArgumentException($"-Postmaster '{Postmaster}' is not a mail address (local@domain)."), "MailServerPostmasterInvalid", ErrorCategory.InvalidArgument, Postmaster);
            options.Postmaster = Postmaster.Trim();
        }
        var delivery = options.Delivery;
        if (Smarthost != null)
        {
            if (OutboundArguments.CheckHostPort(Smarthost, requireIpAddress: false) is string error)
                ThrowTerminating(new ArgumentException($"-Smarthost '{Smarthost}': {error}"), "MailServerSmarthostInvalid", ErrorCategory.InvalidArgument, Smarthost);
            delivery.Smarthost = Smarthost.Trim();
        }
        if (SmarthostCredential != null)
            delivery.SmarthostCredential = SmarthostCredential.GetNetworkCredential();
        delivery.SmarthostSecurity = SmarthostSecure;
        delivery.SmarthostSkipCertificateCheck = SmarthostSkipCertificateCheck;
        delivery.RequireTls = RequireTls;
        if (DnsServer != null)
        {
            foreach (var dns in DnsServer)
            {
                if (OutboundArguments.CheckHostPort(dns, requireIpAddress: true) is string error)
                    ThrowTerminating(new ArgumentException($"-DnsServer '{dns}': {error}"), "MailServerDnsServerInvalid", ErrorCategory.InvalidArgument, dns);
            }
            delivery.DnsServers = DnsServer.Select(d => d.Trim()).ToList();
        }
        delivery.DeliveryPort = DeliveryPort;
        if (RetrySchedule != null) delivery.RetrySchedule = RetrySchedule.ToList();
        delivery.MaxQueueLifetime = MaxQueueLifetime;
        delivery.MaxConnectionsPerDestination = MaxConnectionsPerDestination;
    }

    /// <summary>RFC 5321 §4.5.1: postmaster must be accepted; with no mailbox to take it, the server refuses it, and the admin should know.</summary>
    // One line, and true of the common lab start (Start-MailServer -InMemory, then New-MailAccount): the
    // first account created takes postmaster mail from then on, without a restart.
    private void WarnWithoutPostmaster(MailServer server)
    {
        if (server.PostmasterAccount != null) return;
        WriteWarning(server.Options.Postmaster != null
            ? $"Mail server '{server.Name}': mail to postmaster is refused until the account {server.Options.Postmaster} exists (New-MailAccount)."
            : $"Mail server '{server.Name}': mail to postmaster is refused until the first account exists (New-MailAccount) or -Postmaster names one.");
    }

    /// <summary>The port to use: as given, else 0 with -FreePorts, else the default.</summary>
    private int PortFor(string parameter, int value) =>
        FreePorts && !MyInvocation.BoundParameters.ContainsKey(parameter) ? 0 : value;

    private bool Enabled(string protocol) =>
        Disable == null || !Disable.Any(d => string.Equals(d, protocol, StringComparison.OrdinalIgnoreCase));

    private X509Certificate2 LoadCertificate(object value)
    {
        var item = value is PSObject ps ? ps.BaseObject : value;
        if (item is X509Certificate2 certificate)
        {
            if (!certificate.HasPrivateKey)
                ThrowTerminating(new ArgumentException("The certificate has no private key; a server needs one."), "MailServerCertificateInvalid", ErrorCategory.InvalidArgument, item);
            return certificate;
        }
        var path = ResolveOutputPath(item.ToString()!);
        try
        {
            var extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
            if (extension == ".pfx" || extension == ".p12")
                return TlsCertificates.LoadPfx(path, CertificatePassword == null ? null : new NetworkCredential(string.Empty, CertificatePassword).Password);
            return TlsCertificates.LoadPem(path);
        }
        catch (Exception ex) when (ex is IOException || ex is InvalidDataException || ex is System.Security.Cryptography.CryptographicException || ex is UnauthorizedAccessException)
        {
            ThrowTerminating(new ArgumentException($"Cannot load the certificate '{path}': {ex.Message}", ex), "MailServerCertificateInvalid", ErrorCategory.InvalidArgument, path);
            throw; // not reached
        }
    }
}
