using System;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MailAdmin.Client;

/// <summary>
/// What the certificate check of one connection found, kept so that a failed handshake can
/// name the real cause (a name mismatch, an untrusted issuer, an expired certificate)
/// instead of MailKit's general "the certificate was rejected".
/// </summary>
internal sealed class TlsVerdict
{
    private readonly string _server;

    public TlsVerdict(string server) => _server = server;

    public SslPolicyErrors Errors { get; private set; }
    public X509Certificate2? Certificate { get; private set; }
    public X509ChainStatusFlags ChainFlags { get; private set; }

    public void Record(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        Errors = errors;
        Certificate = certificate == null ? null : new X509Certificate2(certificate);
        ChainFlags = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) ?? X509ChainStatusFlags.NoError;
    }

    /// <summary>The certificate check failed for a reason we can name; null when it passed or never ran.</summary>
    public string? Describe()
    {
        if (Errors == SslPolicyErrors.None) return null;
        if ((Errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return $"{_server} sent no certificate.";
        var parts = new System.Collections.Generic.List<string>();
        if ((Errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            var names = Certificate == null ? new string[0] : Health.CertificateNames.AlternativeNames(Certificate);
            var named = names.Length > 0 ? string.Join(", ", names) : Certificate?.GetNameInfo(X509NameType.DnsName, false) ?? "other names";
            parts.Add($"the certificate is for {named}, not '{_server}': connect by a name it carries (-Server {names.FirstOrDefault() ?? named})");
        }
        if ((Errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            int before = parts.Count;
            if ((ChainFlags & X509ChainStatusFlags.NotTimeValid) != 0 && Certificate != null)
                parts.Add(Certificate.NotAfter < DateTime.Now
                    ? $"the certificate expired on {Certificate.NotAfter:yyyy-MM-dd}"
                    : $"the certificate is valid only from {Certificate.NotBefore:yyyy-MM-dd}");
            if ((ChainFlags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
                parts.Add(Certificate != null && Certificate.Subject == Certificate.Issuer
                    ? "the certificate is self-signed and this machine does not trust it (for a lab server: -SkipCertificateCheck, or trust its certificate)"
                    : $"the certificate's issuer ({Certificate?.Issuer}) is not trusted by this machine");
            if ((ChainFlags & X509ChainStatusFlags.Revoked) != 0)
                parts.Add("the certificate was revoked");
            if (parts.Count == before)
                parts.Add($"its chain does not verify ({ChainFlags})");
        }
        var text = string.Join("; ", parts);
        return text.Length == 0 ? null : char.ToUpperInvariant(text[0]) + text.Substring(1) + ".";
    }
}
