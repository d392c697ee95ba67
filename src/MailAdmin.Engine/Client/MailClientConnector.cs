using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace MailAdmin.Client;

/// <summary>Opens a session: connect, secure as asked, log in with a password or an OAuth token.</summary>
public static class MailClientConnector
{
    public static async Task<MailClientSession> ConnectAsync(MailClientOptions options, Action<string>? listener, CancellationToken cancellationToken)
    {
        if (options == null) throw new ArgumentNullException(nameof(options));
        var capabilities = new CapabilityRecorder(options.Protocol);
        var log = new ClientProtocolLog(options.LogPath) { Listener = listener, Recorder = capabilities };
        MailService service;
        MailClientSession session;
        switch (options.Protocol)
        {
            case MailClientProtocol.Smtp:
                // Our subclass, so that Send-SmtpMessage can finish a transaction when some recipients are refused.
                var smtp = new RecipientTrackingSmtpClient(log);
                if (!string.IsNullOrEmpty(options.LocalDomain)) smtp.LocalDomain = options.LocalDomain;
                service = smtp;
                session = new SmtpClientSession(options, smtp, log);
                break;
            case MailClientProtocol.Imap:
                var imap = new ImapClient(log);
                service = imap;
                session = new ImapClientSession(options, imap, log);
                break;
            default:
                var pop = new Pop3Client(log);
                service = pop;
                session = new Pop3ClientSession(options, pop, log);
                break;
        }
        service.Timeout = (int)Math.Min(int.MaxValue, Math.Max(1, options.Timeout.TotalMilliseconds));
        // The check is recorded, so that a failed handshake can say why (name, issuer, expiry).
        var tls = new TlsVerdict(options.Server);
        if (options.SkipCertificateCheck)
            service.ServerCertificateValidationCallback = (sender, certificate, chain, errors) => true;
        else
            service.ServerCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                if (errors == System.Net.Security.SslPolicyErrors.None) return true;
                if (certificate != null && options.TrustedThumbprints.Contains(new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate).Thumbprint, StringComparer.OrdinalIgnoreCase))
                    return true;
                tls.Record(certificate, chain, errors);
                return false;
            };

        var connecting = true;
        try
        {
            if (options.Security == MailSecurity.Auto && !MailClientPorts.IsImplicitTlsPort(options.EffectivePort))
                await ConnectDetectingTlsAsync(service, options, listener, tls, cancellationToken).ConfigureAwait(false);
            else
                await service.ConnectAsync(options.Server, options.EffectivePort, SocketOptions(options), cancellationToken).ConfigureAwait(false);
            connecting = false;
            session.AuthenticationMechanisms = service.AuthenticationMechanisms.OrderBy(m => m, StringComparer.Ordinal).ToArray();
            await AuthenticateAsync(service, options, cancellationToken).ConfigureAwait(false);
            session.UserName = service.IsAuthenticated ? options.Credential?.UserName ?? options.UserName : null;
            session.Capabilities = capabilities.Capabilities;
            log.Listener = null;
            log.Recorder = null;
            return session;
        }
        catch (Exception ex)
        {
            log.Listener = null;
            service.Dispose();
            log.Dispose();
            if (ex is OperationCanceledException) throw;
            throw MailClientErrors.Classify(options.Protocol, ex, options.Server, connecting, tls.Describe());
        }
    }

    /// <summary>
    /// Connects a session's own client again, with the same options and login, after the
    /// server hung up (Send-SmtpMessage's retries). The caller holds the session's turn.
    /// </summary>
    internal static async Task ReopenAsync(MailClientSession session, CancellationToken cancellationToken)
    {
        var options = session.Options;
        var service = (MailService)session.Service;
        var connecting = true;
        try
        {
            await service.ConnectAsync(options.Server, options.EffectivePort, SocketOptions(options), cancellationToken).ConfigureAwait(false);
            connecting = false;
            await AuthenticateAsync(service, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException))
        {
            if (service.IsConnected)
            {
                try { await service.DisconnectAsync(false, CancellationToken.None).ConfigureAwait(false); }
                catch (Exception) { /* already failing */ }
            }
            throw MailClientErrors.Classify(options.Protocol, ex, options.Server, connecting);
        }
    }

    /// <summary>How long -Secure Auto waits for a greeting before it takes the port for implicit TLS.</summary>
    internal static readonly TimeSpan GreetingWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// -Secure Auto on a port that is not a well-known implicit-TLS one: a plain-text server
    /// greets at once; an implicit-TLS server (our 1993, a provider's 10993) says nothing and
    /// waits for a TLS hello. So wait briefly for the greeting: when it comes, go on with
    /// STARTTLS when offered; when it does not, start TLS on the same connection. Neither
    /// working is an error that says which -Secure to give, instead of a long timeout.
    /// </summary>
    private static async Task ConnectDetectingTlsAsync(MailService service, MailClientOptions options, Action<string>? listener, TlsVerdict tls, CancellationToken cancellationToken)
    {
        var port = options.EffectivePort;
        var socket = await ConnectSocketAsync(options.Server, port, options.Timeout, cancellationToken).ConfigureAwait(false);
        try
        {
            var wait = options.Timeout < GreetingWait ? options.Timeout : GreetingWait;
            if (await WaitReadableAsync(socket, wait, cancellationToken).ConfigureAwait(false))
            {
                await service.ConnectAsync(socket, options.Server, port, SecureSocketOptions.StartTlsWhenAvailable, cancellationToken).ConfigureAwait(false);
                return;
            }
            listener?.Invoke($"No greeting from {options.Server}:{port} within {wait.TotalSeconds:0.#} s: trying implicit TLS (-Secure Auto).");
            // MailKit puts no timeout on a TLS handshake over a socket it was given: bound it here.
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            handshake.CancelAfter(options.Timeout);
            // MailKit's netstandard build does not pass the token to the handshake either: closing the socket ends it.
            using var abort = handshake.Token.Register(() => socket.Dispose());
            try
            {
                await service.ConnectAsync(socket, options.Server, port, SecureSocketOptions.SslOnConnect, handshake.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && tls.Describe() == null)
            {
                throw new MailClientException(options.Protocol, MailClientFailure.ConnectFailed,
                    $"{options.Server}:{port} sent no greeting within {wait.TotalSeconds:0.#} s and did not start TLS either. " +
                    "If it expects TLS at once (implicit TLS), give -Secure Tls; if it is only slow to greet, give -Secure StartTls (or None) to wait for it.", ex);
            }
        }
        catch
        {
            if (!service.IsConnected) socket.Dispose();
            throw;
        }
    }

    private static async Task<System.Net.Sockets.Socket> ConnectSocketAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            var connect = System.Net.Sockets.SocketTaskExtensions.ConnectAsync(socket, host, port);
            var finished = await Task.WhenAny(connect, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (finished != connect)
                throw new TimeoutException($"Connecting to {host}:{port} took longer than {timeout.TotalSeconds:0} s.");
            await connect.ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>True when the server sent something (its greeting) within <paramref name="wait"/>.</summary>
    private static async Task<bool> WaitReadableAsync(System.Net.Sockets.Socket socket, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Poll does not consume the bytes: MailKit reads the greeting afterwards. A closed
            // connection is also "readable", and MailKit then reports it as it always does.
            if (socket.Poll(50_000, System.Net.Sockets.SelectMode.SelectRead)) return true;
            await Task.Yield();
        }
        return false;
    }

    private static SecureSocketOptions SocketOptions(MailClientOptions options)
    {
        switch (options.Security)
        {
            case MailSecurity.None: return SecureSocketOptions.None;
            case MailSecurity.StartTls: return SecureSocketOptions.StartTls;
            case MailSecurity.Tls: return SecureSocketOptions.SslOnConnect;
            default:
                return MailClientPorts.IsImplicitTlsPort(options.EffectivePort) ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable;
        }
    }

    /// <summary>SCRAM-SHA-256 (the password never crosses the wire), else PLAIN, else LOGIN; null when none is offered (the protocol's own login then).</summary>
    internal static SaslMechanism? ChooseMechanism(System.Collections.Generic.ICollection<string> offered, System.Net.NetworkCredential credential)
    {
        bool Offers(string name) => offered.Any(m => string.Equals(m, name, StringComparison.OrdinalIgnoreCase));
        if (Offers("SCRAM-SHA-256")) return new SaslMechanismScramSha256(credential);
        if (Offers("PLAIN")) return new SaslMechanismPlain(credential);
        if (Offers("LOGIN")) return new SaslMechanismLogin(credential);
        return null;
    }

    private static async Task AuthenticateAsync(MailService service, MailClientOptions options, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.OAuthToken))
        {
            var user = options.Credential?.UserName ?? options.UserName
                ?? throw new ArgumentException("An OAuth token needs the account's user name (-Credential or -UserName).");
            SaslMechanism mechanism = service.AuthenticationMechanisms.Contains("OAUTHBEARER") && !service.AuthenticationMechanisms.Contains("XOAUTH2")
                ? new SaslMechanismOAuthBearer(user, options.OAuthToken!)
                : new SaslMechanismOAuth2(user, options.OAuthToken!);
            await service.AuthenticateAsync(mechanism, cancellationToken).ConfigureAwait(false);
        }
        else if (options.Credential != null)
        {
            // One attempt: MailKit's AuthenticateAsync(credential) tries each mechanism in
            // turn and then the LOGIN command, so one wrong password cost three failures (and
            // lockout policies count each). Pick the best mechanism the server offers instead.
            var mechanism = ChooseMechanism(service.AuthenticationMechanisms, options.Credential);
            if (mechanism != null)
                await service.AuthenticateAsync(mechanism, cancellationToken).ConfigureAwait(false);
            else
                await service.AuthenticateAsync(options.Credential, cancellationToken).ConfigureAwait(false);
        }
    }
}
