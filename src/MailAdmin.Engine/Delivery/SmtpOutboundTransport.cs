using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;
using MailAdmin.DnsChecks;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailAdmin.Delivery;

/// <summary>
/// Delivery through MailKit's SmtpClient: to the smarthost when one is set (its -Secure and
/// login), otherwise to the destination domain's MX hosts in preference order (RFC 5321 §5.1)
/// with opportunistic STARTTLS (RFC 7435: encryption without authentication, so any
/// certificate is accepted) or, with RequireTls, no plaintext at all.
/// </summary>
internal sealed class SmtpOutboundTransport : IOutboundTransport
{
    private MailDnsResolver? _resolver;

    internal SmtpOutboundTransport(DeliveryOptions options) => Options = options;

    internal DeliveryOptions Options { get; }

    public Task<IOutboundConnection> ConnectAsync(string destination, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(Options.Smarthost)
            ? ConnectDirectAsync(destination, cancellationToken)
            : ConnectSmarthostAsync(cancellationToken);

    private async Task<IOutboundConnection> ConnectSmarthostAsync(CancellationToken cancellationToken)
    {
        NextHop hop;
        try { hop = NextHop.Parse(Options.Smarthost!); }
        catch (FormatException ex) { throw new OutboundConnectException($"The smarthost '{Options.Smarthost}' is not host[:port]: {ex.Message}", permanent: false, "4.3.5", ex); }
        var security = Options.SmarthostSecurity;
        var port = hop.Port ?? MailClientPorts.Default(MailClientProtocol.Smtp, security);
        var socketOptions = SmarthostSocketOptions(security, port);

        IPAddress[] addresses;
        if (IPAddress.TryParse(hop.Host, out var literal)) addresses = new[] { literal };
        else
        {
            try { addresses = await Dns.GetHostAddressesAsync(hop.Host).ConfigureAwait(false); }
            catch (SocketException ex) { throw new OutboundConnectException($"Smarthost {hop.Host} not found: {ex.Message}", permanent: false, "4.4.3", ex); }
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            OutboundSmtpClient? client = null;
            try
            {
                var target = address;
                client = await OpenSmarthostAsync(hop, target, port, socketOptions, cancellationToken).ConfigureAwait(false);
                return new SmtpOutboundConnection(client, hop.ToString(), token => OpenSmarthostAsync(hop, target, port, socketOptions, token));
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                client?.Dispose();
                if (ex is OutboundConnectException) throw;
                last = ex;
                if (IsTlsFailure(ex) || IsPermanentGreeting(ex)) break;
            }
        }
        throw Failure($"smarthost {hop}", last, IsTlsFailure(last));
    }

    /// <summary>A session to the smarthost at one of its addresses: connected, secured as asked, logged in.</summary>
    private async Task<OutboundSmtpClient> OpenSmarthostAsync(NextHop hop, IPAddress address, int port, SecureSocketOptions socketOptions, CancellationToken cancellationToken)
    {
        // -Secure Auto off the implicit-TLS ports behaves as the client cmdlets': a server that
        // sends no greeting at once is taken for an implicit-TLS one.
        var detect = Options.SmarthostSecurity == MailSecurity.Auto && !MailClientPorts.IsImplicitTlsPort(port);
        var client = await OpenAsync(hop.Host, address, port, socketOptions, Options.SmarthostSkipCertificateCheck, cancellationToken, detect).ConfigureAwait(false);
        try
        {
            if (Options.RequireTls && !client.IsSecure)
                throw new OutboundConnectException($"TLS required: smarthost {hop} is not encrypted (-SmarthostSecure {Options.SmarthostSecurity})", permanent: false, "4.7.10");
            await LoginAsync(client, hop.ToString(), cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The client cmdlets' -Secure: Auto is implicit TLS on 465, else STARTTLS when offered (required with RequireTls).</summary>
    private SecureSocketOptions SmarthostSocketOptions(MailSecurity security, int port)
    {
        switch (security)
        {
            case MailSecurity.None: return SecureSocketOptions.None;
            case MailSecurity.StartTls: return SecureSocketOptions.StartTls;
            case MailSecurity.Tls: return SecureSocketOptions.SslOnConnect;
            default:
                if (MailClientPorts.IsImplicitTlsPort(port)) return SecureSocketOptions.SslOnConnect;
                return Options.RequireTls ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable;
        }
    }

    private async Task LoginAsync(OutboundSmtpClient client, string hop, CancellationToken cancellationToken)
    {
        var credential = Options.SmarthostCredential;
        if (credential == null) return;
        if ((client.Capabilities & SmtpCapabilities.Authentication) == 0 || client.AuthenticationMechanisms.Count == 0)
            throw new OutboundConnectException($"Smarthost {hop} offers no AUTH{(client.IsSecure ? "" : " on this unencrypted session")}, and a credential is set", permanent: false, "4.7.0");
        try
        {
            var mechanism = MailClientConnector.ChooseMechanism(client.AuthenticationMechanisms, credential);
            if (mechanism != null) await client.AuthenticateAsync(mechanism, cancellationToken).ConfigureAwait(false);
            else await client.AuthenticateAsync(credential, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException || ex is SmtpCommandException)
        {
            // A refused login is the admin's to fix (or the smarthost's to recover): deferred, not bounced.
            var code = ex is SmtpCommandException command ? ((int)command.StatusCode).ToString(CultureInfo.InvariantCulture) + " " : "";
            throw new OutboundConnectException($"Smarthost {hop} refused AUTH: {code}{ex.Message}", permanent: false, "4.7.0", ex);
        }
    }

    private async Task<IOutboundConnection> ConnectDirectAsync(string destination, CancellationToken cancellationToken)
    {
        var domain = AsciiDomain(destination);
        var lookup = await MailHostLookup.ResolveAsync(Resolver, domain, cancellationToken).ConfigureAwait(false);
        switch (lookup.Outcome)
        {
            case MailHostOutcome.NullMx:
                throw new OutboundConnectException(lookup.Problem!, permanent: true, "5.1.10");
            case MailHostOutcome.DomainNotFound:
            case MailHostOutcome.NoMailHost:
                // Permanent: an authoritative NXDOMAIN, or a domain that exists with neither MX
                // nor address, is DNS's answer, not a failure to get one; retrying for days
                // would only delay the bounce (Postfix bounces these at once too). A DNS outage
                // is LookupFailed below and is retried.
                throw new OutboundConnectException(lookup.Problem!, permanent: true, "5.1.2");
            case MailHostOutcome.LookupFailed:
                throw new OutboundConnectException(lookup.Problem!, permanent: false, "4.4.3");
        }

        var socketOptions = Options.RequireTls ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable;
        Exception? last = null;
        string? lastHost = null;
        var tlsMissing = false;
        var allPermanent = true;
        foreach (var host in lookup.Hosts)
        {
            if (host.Addresses.Count == 0)
            {
                last = new InvalidOperationException(host.AddressProblem ?? $"{host.Name} has no address");
                lastHost = host.Name;
                allPermanent = false;
                continue;
            }
            foreach (var address in host.Addresses)
            {
                var label = $"{host.Name}[{address}]";
                try
                {
                    var client = await OpenDirectAsync(host.Name, address, socketOptions, cancellationToken).ConfigureAwait(false);
                    var (name, target) = (host.Name, address);
                    return new SmtpOutboundConnection(client, label, token => OpenDirectAsync(name, target, socketOptions, token));
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    // Refused, timed out, 4xx/5xx greeting, no STARTTLS under RequireTls: the next one (RFC 5321 §5.1).
                    last = ex;
                    lastHost = label;
                    tlsMissing |= IsTlsFailure(ex);
                    allPermanent &= IsPermanentGreeting(ex);
                }
            }
        }
        if (allPermanent && last != null)
            throw new OutboundConnectException($"{lastHost} refused the session: {Describe(last)}", permanent: true, "5.4.0", last);
        throw Failure(lastHost ?? domain, last, tlsMissing);
    }

    /// <summary>
    /// Opportunistic TLS: STARTTLS when offered; a failed handshake falls back to plaintext on a
    /// new connection (better than not delivering, as RFC 7435 §4 says), unless TLS is required.
    /// </summary>
    private async Task<OutboundSmtpClient> OpenDirectAsync(string host, IPAddress address, SecureSocketOptions socketOptions, CancellationToken cancellationToken)
    {
        try
        {
            return await OpenAsync(host, address, Options.DeliveryPort, socketOptions, skipCertificateCheck: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Options.RequireTls && IsHandshakeFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            return await OpenAsync(host, address, Options.DeliveryPort, SecureSocketOptions.None, skipCertificateCheck: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One TCP connection to <paramref name="address"/>, then MailKit's greeting, EHLO and TLS on it, all bounded by the timeout.</summary>
    private async Task<OutboundSmtpClient> OpenAsync(string host, IPAddress address, int port, SecureSocketOptions socketOptions, bool skipCertificateCheck, CancellationToken cancellationToken, bool detectImplicitTls = false)
    {
        var timeout = Options.Timeout > TimeSpan.Zero ? Options.Timeout : TimeSpan.FromSeconds(60);
        var socket = await ConnectSocketAsync(address, port, timeout, cancellationToken).ConfigureAwait(false);
        if (detectImplicitTls && !await GreetsAsync(socket, timeout < MailClientConnector.GreetingWait ? timeout : MailClientConnector.GreetingWait, cancellationToken).ConfigureAwait(false))
            socketOptions = SecureSocketOptions.SslOnConnect;
        var client = new OutboundSmtpClient
        {
            LocalDomain = string.IsNullOrWhiteSpace(Options.HostName) ? "localhost" : Options.HostName,
            Timeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds),
        };
        if (skipCertificateCheck) client.ServerCertificateValidationCallback = AcceptAnyCertificate;
        try
        {
            // MailKit bounds each read by Timeout but not a TLS handshake over a socket it was
            // given: closing the socket ends a handshake that hangs.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout + timeout);
            using var abort = bounded.Token.Register(() => socket.Dispose());
            await client.ConnectAsync(socket, host, port, socketOptions, bounded.Token).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>True when the server sent something (its greeting) within <paramref name="wait"/>; Poll leaves the bytes for MailKit.</summary>
    private static async Task<bool> GreetsAsync(Socket socket, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (socket.Poll(20_000, SelectMode.SelectRead)) return true;
            await Task.Yield();
        }
        return false;
    }

    private static bool AcceptAnyCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors) => true;

    private static async Task<Socket> ConnectSocketAsync(IPAddress address, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var connect = socket.ConnectAsync(address, port);
            var finished = await Task.WhenAny(connect, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (finished != connect)
                throw new TimeoutException($"connecting to {address} port {port} took longer than {timeout.TotalSeconds:0} s");
            await connect.ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>One resolver for every destination (DnsClient caches answers for their TTL); the first of -DnsServer, else the system's.</summary>
    private MailDnsResolver Resolver => _resolver ??= new MailDnsResolver(Options.DnsServers.FirstOrDefault(s => !string.IsNullOrWhiteSpace(s)), DnsTimeout);

    private TimeSpan DnsTimeout => Options.Timeout > TimeSpan.Zero && Options.Timeout < TimeSpan.FromSeconds(5) ? Options.Timeout : TimeSpan.FromSeconds(5);

    private static string AsciiDomain(string destination)
    {
        var domain = destination.Trim().TrimEnd('.');
        if (domain.All(c => c < 128)) return domain;
        try { return new IdnMapping().GetAscii(domain); }
        catch (ArgumentException ex) { throw new OutboundConnectException($"'{destination}' is not a valid domain name: {ex.Message}", permanent: true, "5.1.2", ex); }
    }

    private static OutboundConnectException Failure(string where, Exception? last, bool tls)
    {
        // 4.7.5 cryptographic failure (a certificate not trusted, a handshake that broke); 4.7.10 encryption needed (no STARTTLS).
        if (tls && IsHandshakeFailure(last))
            return new OutboundConnectException($"TLS handshake with {where} failed: {Describe(last)}", permanent: false, "4.7.5", last);
        if (tls)
            return new OutboundConnectException($"TLS required: {where}: {Describe(last)}", permanent: false, "4.7.10", last);
        return new OutboundConnectException($"{where}: {Describe(last)}", permanent: false, "4.4.1", last);
    }

    private static string Describe(Exception? error)
    {
        switch (error)
        {
            case null: return "no host to try";
            case SmtpCommandException command: return $"{(int)command.StatusCode} {command.Message}".Trim();
            case SocketException socket: return socket.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : socket.Message;
            case OperationCanceledException _: return "no answer within the timeout";
            default: return error.Message;
        }
    }

    /// <summary>No STARTTLS where it is required, or a handshake that failed.</summary>
    private static bool IsTlsFailure(Exception? error) =>
        error is NotSupportedException || IsHandshakeFailure(error);

    private static bool IsHandshakeFailure(Exception? error) =>
        error is SslHandshakeException || error is System.Security.Authentication.AuthenticationException
        || (error?.InnerException != null && IsHandshakeFailure(error.InnerException));

    private static bool IsPermanentGreeting(Exception? error) =>
        error is SmtpCommandException command && (int)command.StatusCode >= 500;
}
