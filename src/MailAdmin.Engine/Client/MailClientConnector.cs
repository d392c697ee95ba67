using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailAdmin.Client
{
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
                await service.AuthenticateAsync(options.Credential, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
