using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MailAdmin.Hosting;
using X509CertificateParser = Org.BouncyCastle.X509.X509CertificateParser;

namespace MailAdmin.Security;

/// <summary>
/// Turns what a user passes as a certificate into an X509Certificate2: the certificate
/// itself, a PFX/P12 file (with its password), a PEM file, or on Windows the thumbprint of
/// a certificate in the CurrentUser or LocalMachine "My" store. Keys and PFX/PEM pairs are
/// read by <see cref="TlsCertificates"/>, the loader the servers use.
/// </summary>
public static class CertificateLoader
{
    private static readonly Regex Thumbprint = new Regex("^[0-9A-Fa-f]{40}$");

    /// <summary>A certificate with its private key, for signing or decrypting.</summary>
    public static X509Certificate2 LoadWithKey(object certificate, string? password)
    {
        var loaded = Load(certificate, password, needKey: true);
        if (!loaded.HasPrivateKey)
            throw new MailSecurityException(SecurityErrors.NoPrivateKey,
                $"The certificate '{loaded.Subject}' has no private key; signing and decrypting need one (give a PFX, or a PEM file holding the certificate and its key).");
        return loaded;
    }

    /// <summary>A certificate whose public key is enough (recipients, trusted signers).</summary>
    public static X509Certificate2 LoadPublic(object certificate) => Load(certificate, null, needKey: false);

    private static X509Certificate2 Load(object certificate, string? password, bool needKey)
    {
        switch (certificate)
        {
            case null:
                throw new ArgumentNullException(nameof(certificate));
            case X509Certificate2 ready:
                return ready;
            case X509Certificate plain:
                return new X509Certificate2(plain);
            case FileInfo file:
                return LoadFile(file.FullName, password, needKey);
            case string text when File.Exists(text):
                return LoadFile(Path.GetFullPath(text), password, needKey);
            case string text when Thumbprint.IsMatch(text):
                return FromStore(text);
            case string text:
                throw new MailSecurityException(SecurityErrors.CertificateNotFound, $"Certificate file '{text}' not found.");
            default:
                throw new MailSecurityException(SecurityErrors.CertificateInvalid,
                    $"A certificate must be an X509Certificate2, a file path or a thumbprint, not {certificate.GetType().Name}.");
        }
    }

    private static X509Certificate2 LoadFile(string path, string? password, bool needKey)
    {
        try
        {
            if (IsPfx(path))
                return TlsCertificates.LoadPfx(path, password);
            if (needKey)
                return TlsCertificates.LoadPem(path);
            // Public certificates come as PEM or DER; BouncyCastle's parser reads both.
            var parsed = new X509CertificateParser().ReadCertificate(File.ReadAllBytes(path))
                ?? throw new InvalidDataException("no certificate in the file");
            return new X509Certificate2(parsed.GetEncoded());
        }
        catch (Exception ex) when (!(ex is MailSecurityException))
        {
            throw new MailSecurityException(SecurityErrors.CertificateInvalid, $"Cannot read the certificate in '{path}': {ex.Message}", ex);
        }
    }

    private static bool IsPfx(string path)
    {
        var extension = Path.GetExtension(path);
        return extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase);
    }

    private static X509Certificate2 FromStore(string thumbprint)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            throw new MailSecurityException(SecurityErrors.CertificateNotFound,
                $"'{thumbprint}' is neither a file nor usable as a thumbprint: certificate stores are read on Windows only.");
        foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
        {
            using var store = new X509Store(StoreName.My, location);
            store.Open(OpenFlags.ReadOnly);
            var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false);
            if (found.Count > 0)
                return found[0];
        }
        throw new MailSecurityException(SecurityErrors.CertificateNotFound, $"No certificate with thumbprint {thumbprint} in the CurrentUser or LocalMachine My store.");
    }

    /// <summary>The certificates, in order, as a list (null or empty gives an empty list).</summary>
    public static List<X509Certificate2> LoadPublic(IEnumerable<object>? certificates) =>
        certificates == null ? new List<X509Certificate2>() : certificates.Select(LoadPublic).ToList();
}
