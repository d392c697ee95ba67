using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace MailAdmin.Health;

/// <summary>Reads the subject alternative names (DNS names and IP addresses) off a certificate.</summary>
internal static class CertificateNames
{
    private const string SubjectAltNameOid = "2.5.29.17";

    public static string[] AlternativeNames(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.Cast<X509Extension>().FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid);
        if (extension == null) return new string[0];
        // Format() gives "DNS Name=a, IP Address=1.2.3.4" (one per line on Windows); keep the values.
        return extension.Format(false)
            .Split(new[] { ", ", "\r\n", "\n" }, StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Contains("=") ? part.Substring(part.IndexOf('=') + 1) : part.Contains(":") ? part.Substring(part.IndexOf(':') + 1) : part)
            .Select(name => name.Trim())
            .Where(name => name.Length > 0)
            .ToArray();
    }
}
