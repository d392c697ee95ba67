using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Health;

/// <summary>
/// Checks one mail service the way an admin would by hand: connect, read the greeting, ask
/// for the capabilities, secure the line, judge the certificate, look at the login
/// mechanisms, log in, and for SMTP optionally try to relay and probe recipients — each
/// step timed, its outcome recorded, and the first failure named as the stage.
/// </summary>
/// <remarks>
/// It speaks the protocols itself rather than through MailKit because it must see every
/// step separately (a greeting that never comes, a RCPT without DATA) and keep going after
/// a bad certificate to report on it.
/// </remarks>
public sealed partial class MailServerProber
{
    private readonly MailServerProbeOptions _options;
    private readonly MailServerHealth _health;
    private readonly Stopwatch _clock = new Stopwatch();
    private ProbeConnection? _connection;
    private X509Certificate2? _certificate;
    private X509Chain? _chain;
    private SslPolicyErrors _policyErrors;

    private MailServerProber(MailServerProbeOptions options)
    {
        _options = options;
        _health = new MailServerHealth(options.Target, options.Protocol, options.EffectivePort);
    }

    /// <summary>Runs every check that applies; never throws for what the server does (that is a finding), only for cancellation.</summary>
    public static async Task<MailServerHealth> ProbeAsync(MailServerProbeOptions options, CancellationToken cancellationToken)
    {
        var prober = new MailServerProber(options);
        await prober.RunAsync(cancellationToken).ConfigureAwait(false);
        return prober._health;
    }

    private ProbeConnection Connection => _connection!;

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        _clock.Start();
        try
        {
            if (!await Step("connect", "Connect", ConnectAsync, cancellationToken).ConfigureAwait(false)) return;
            if (MailServiceDefaults.ImplicitTls(_options.Protocol) &&
                !await Step("tls", "TLS", TlsHandshakeAsync, cancellationToken).ConfigureAwait(false)) return;
            if (!await Step("banner", "Banner", GreetingAsync, cancellationToken).ConfigureAwait(false)) return;
            var capabilityStage = MailServiceDefaults.IsSmtp(_options.Protocol) ? "ehlo" : "capability";
            if (!await Step(capabilityStage, "Capabilities", CapabilitiesAsync, cancellationToken).ConfigureAwait(false)) return;
            if (!Connection.IsSecure)
            {
                var mechanismsBeforeTls = _health.AuthenticationMechanisms;
                JudgePlaintextLogin(mechanismsBeforeTls);
                if (OffersStartTls())
                {
                    if (!await Step("tls", "STARTTLS", StartTlsAsync, cancellationToken).ConfigureAwait(false)) return;
                    if (!await Step(capabilityStage, "Capabilities after TLS", CapabilitiesAsync, cancellationToken).ConfigureAwait(false)) return;
                }
                else
                {
                    _health.Add(new MailServerCheck("TLS", CheckStatus.Warning, TimeSpan.Zero, "The server does not offer STARTTLS: mail and passwords cross the network in clear."));
                }
            }
            if (_certificate != null) JudgeCertificate();
            JudgeMechanisms();
            if (_options.Credential != null &&
                !await Step("auth", "Login", LoginAsync, cancellationToken).ConfigureAwait(false)) return;
            if (MailServiceDefaults.IsSmtp(_options.Protocol))
            {
                if (_options.TestRelay && !await Step("rcpt", "Open relay", RelayTestAsync, cancellationToken).ConfigureAwait(false)) return;
                foreach (var recipient in _options.Recipients)
                    if (!await Step("rcpt", $"Recipient {recipient}", token => RecipientProbeAsync(recipient, token), cancellationToken).ConfigureAwait(false)) return;
            }
            await QuitAsync(cancellationToken).ConfigureAwait(false);
            // Last, on its own connection: everything above passed or was only a warning.
            if (_options.RoundTrip != null && MailServiceDefaults.IsSmtp(_options.Protocol))
                await RoundTripProbe.RunAsync(_options, _options.RoundTrip, _health, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _health.Elapsed = _clock.Elapsed;
            if (_connection != null)
            {
                _health.Transcript = _connection.Transcript.ToArray();
                _connection.Dispose();
            }
        }
    }

    /// <summary>
    /// Runs one step; its outcome (a string for a Pass, a <see cref="StepResult"/> otherwise) becomes a check.
    /// An exception is a Fail at <paramref name="stage"/> and ends the checks: the conversation cannot go on.
    /// </summary>
    private async Task<bool> Step(string stage, string name, Func<CancellationToken, Task<StepResult>> step, CancellationToken cancellationToken)
    {
        var started = _clock.Elapsed;
        StepResult result;
        try
        {
            result = await step(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException || ex is SocketException || ex is TimeoutException || ex is ProtocolViolation
                                   || ex is System.Security.Authentication.AuthenticationException || ex is ObjectDisposedException)
        {
            _health.Fail(stage, name, _clock.Elapsed - started, Describe(ex));
            return false;
        }
        var elapsed = _clock.Elapsed - started;
        if (result.Status == CheckStatus.Fail)
        {
            _health.Fail(stage, name, elapsed, result.Detail);
            return result.Continue;
        }
        _health.Add(new MailServerCheck(name, result.Status, elapsed, result.Detail));
        return true;
    }

    private static string Describe(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException != null) inner = inner.InnerException;
        return inner == ex || inner.Message == ex.Message ? ex.Message : $"{ex.Message} ({inner.Message})";
    }

    private async Task<StepResult> ConnectAsync(CancellationToken cancellationToken)
    {
        var started = _clock.Elapsed;
        var host = _options.ConnectAddress?.ToString() ?? _options.Target;
        _connection = await ProbeConnection.ConnectAsync(host, _options.EffectivePort, _options.Timeout, cancellationToken).ConfigureAwait(false);
        _health.Latency = _clock.Elapsed - started;
        var address = _options.ConnectAddress != null ? $" ({_options.ConnectAddress})" : "";
        return StepResult.Pass($"TCP connected to {_options.Target}{address}:{_options.EffectivePort} in {_health.Latency.Value.TotalMilliseconds:0} ms");
    }

    private async Task<StepResult> TlsHandshakeAsync(CancellationToken cancellationToken)
    {
        var ssl = await Connection.StartTlsAsync(_options.Target, RememberCertificate, cancellationToken).ConfigureAwait(false);
        _health.TlsProtocol = ssl.SslProtocol.ToString();
        _health.TlsCipher = $"{ssl.CipherAlgorithm} {ssl.CipherStrength}";
        var status = ssl.SslProtocol == System.Security.Authentication.SslProtocols.Tls12 || (int)ssl.SslProtocol >= 12288 /* TLS 1.3 */
            ? CheckStatus.Pass : CheckStatus.Warning;
        return new StepResult(status, $"{ssl.SslProtocol} with {ssl.CipherAlgorithm} ({ssl.CipherStrength} bits)" + (status == CheckStatus.Warning ? "; TLS 1.2 or later is expected" : ""));
    }

    private void RememberCertificate(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        _certificate = certificate;
        _policyErrors = errors;
        if (chain != null)
        {
            // The chain object is reused by the runtime after the callback: keep a copy of what we need.
            _chain = new X509Chain();
            _chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (certificate != null) _chain.Build(certificate);
        }
    }

    private void JudgeCertificate()
    {
        var certificate = _certificate!;
        var info = new ServerCertificateInfo
        {
            Subject = certificate.Subject,
            Issuer = certificate.Issuer,
            SubjectAlternativeNames = CertificateNames.AlternativeNames(certificate),
            NotBefore = certificate.NotBefore,
            NotAfter = certificate.NotAfter,
            DaysToExpiry = (int)Math.Floor((certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays),
            Thumbprint = certificate.Thumbprint,
            NameMatches = (_policyErrors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0,
        };
        var chainErrors = _chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).Select(s => s.Status.ToString()).Distinct().ToArray() ?? new string[0];
        info.ChainErrors = chainErrors;
        info.ChainValid = (_policyErrors & SslPolicyErrors.RemoteCertificateChainErrors) == 0;
        var pinned = !info.ChainValid && _options.TrustedThumbprints.Contains(certificate.Thumbprint, StringComparer.OrdinalIgnoreCase);
        _health.Certificate = info;

        var now = DateTime.UtcNow;
        if (certificate.NotAfter.ToUniversalTime() < now)
            _health.Fail("tls", "Certificate expiry", TimeSpan.Zero, $"The certificate expired on {certificate.NotAfter:yyyy-MM-dd}.");
        else if (certificate.NotBefore.ToUniversalTime() > now)
            _health.Fail("tls", "Certificate expiry", TimeSpan.Zero, $"The certificate is not valid before {certificate.NotBefore:yyyy-MM-dd}.");
        else if (info.DaysToExpiry < _options.CertificateWarningDays)
            _health.Add(new MailServerCheck("Certificate expiry", CheckStatus.Warning, TimeSpan.Zero, $"The certificate expires in {info.DaysToExpiry} days ({certificate.NotAfter:yyyy-MM-dd})."));
        else
            _health.Add(new MailServerCheck("Certificate expiry", CheckStatus.Pass, TimeSpan.Zero, $"{info.DaysToExpiry} days left ({certificate.NotAfter:yyyy-MM-dd})."));

        if (info.NameMatches)
            _health.Add(new MailServerCheck("Certificate name", CheckStatus.Pass, TimeSpan.Zero, $"The certificate is for {_options.Target}."));
        else
            _health.Fail("tls", "Certificate name", TimeSpan.Zero, $"The certificate does not name {_options.Target}: it is for {string.Join(", ", info.SubjectAlternativeNames.DefaultIfEmpty(certificate.Subject))}.");

        if (info.ChainValid)
            _health.Add(new MailServerCheck("Certificate chain", CheckStatus.Pass, TimeSpan.Zero, $"Issued by {certificate.Issuer}, trusted."));
        else if (pinned)
            _health.Add(new MailServerCheck("Certificate chain", CheckStatus.Pass, TimeSpan.Zero, $"Not vouched for by an authority ({string.Join(", ", chainErrors)}), but trusted by -TrustedCertificate."));
        else
            _health.Fail("tls", "Certificate chain", TimeSpan.Zero, $"The chain does not validate ({string.Join(", ", chainErrors.DefaultIfEmpty("untrusted"))}); issuer {certificate.Issuer}.");
    }

    /// <summary>A password offered in clear text before TLS can be read off the wire.</summary>
    private void JudgePlaintextLogin(string[] mechanisms)
    {
        var plaintext = mechanisms.Where(m => m == "PLAIN" || m == "LOGIN" || m == "USER").ToArray();
        if (plaintext.Length > 0)
            _health.Add(new MailServerCheck("Plaintext login before TLS", CheckStatus.Warning, TimeSpan.Zero, $"The server accepts {string.Join(", ", plaintext)} before TLS."));
    }

    private void JudgeMechanisms()
    {
        var mechanisms = _health.AuthenticationMechanisms;
        var detail = mechanisms.Length == 0 ? "No login mechanisms offered." : "Offered: " + string.Join(" ", mechanisms);
        var status = mechanisms.Length == 0 && _options.Protocol == MailServiceKind.Submission ? CheckStatus.Warning : CheckStatus.Pass;
        _health.Add(new MailServerCheck("Authentication mechanisms", status, TimeSpan.Zero, detail));
    }

    private async Task<StepResult> StartTlsAsync(CancellationToken cancellationToken)
    {
        await SendStartTlsAsync(cancellationToken).ConfigureAwait(false);
        return await TlsHandshakeAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string PlainResponse(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password));

    /// <summary>A step's outcome; <see cref="Continue"/> lets a failed step (a refused recipient) not end the checks.</summary>
    private readonly struct StepResult
    {
        public StepResult(CheckStatus status, string detail, bool @continue = false)
        {
            Status = status;
            Detail = detail;
            Continue = @continue;
        }

        public CheckStatus Status { get; }
        public string Detail { get; }
        public bool Continue { get; }

        public static StepResult Pass(string detail) => new StepResult(CheckStatus.Pass, detail);
    }
}
