using System;
using System.IO;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;

namespace MailAdmin.Security;

/// <summary>
/// Reads DKIM keys from files: a PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8
/// "PRIVATE KEY") for signing; for verifying, a PEM public key, a private key (its public
/// half is used), or the DNS TXT record itself ("v=DKIM1; k=rsa; p=...").
/// </summary>
public static class DkimKeys
{
    public static AsymmetricKeyParameter ReadPrivateKey(string path)
    {
        foreach (var item in ReadPem(path))
        {
            if (item is AsymmetricCipherKeyPair pair) return pair.Private;
            if (item is AsymmetricKeyParameter key && key.IsPrivate) return key;
        }
        throw new MailSecurityException(SecurityErrors.DkimKeyInvalid, $"No private key in '{path}' (expected PEM: RSA PRIVATE KEY or an unencrypted PRIVATE KEY).");
    }

    public static AsymmetricKeyParameter ReadPublicKey(string path)
    {
        var text = ReadText(path);
        if (text.IndexOf("-----BEGIN", StringComparison.Ordinal) < 0)
            return TxtRecordKey.Parse(text.Trim(), path);
        foreach (var item in ReadPem(path))
        {
            if (item is AsymmetricCipherKeyPair pair) return pair.Public;
            if (item is AsymmetricKeyParameter key) return key.IsPrivate ? PublicHalf(key, path) : key;
        }
        throw new MailSecurityException(SecurityErrors.DkimKeyInvalid, $"No public key in '{path}' (expected PEM PUBLIC KEY, a private key, or a DKIM TXT record).");
    }

    private static AsymmetricKeyParameter PublicHalf(AsymmetricKeyParameter key, string path) => key switch
    {
        Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters rsa =>
            new Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent),
        Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters ed => ed.GeneratePublicKey(),
        _ => throw new MailSecurityException(SecurityErrors.DkimKeyInvalid, $"Cannot take the public key from the private key in '{path}'."),
    };

    private static System.Collections.Generic.IEnumerable<object> ReadPem(string path)
    {
        var items = new System.Collections.Generic.List<object>();
        try
        {
            using var reader = new StringReader(ReadText(path));
            var pem = new PemReader(reader);
            object item;
            while ((item = pem.ReadObject()) != null)
                items.Add(item);
        }
        catch (Exception ex) when (!(ex is MailSecurityException))
        {
            throw new MailSecurityException(SecurityErrors.DkimKeyInvalid, $"Cannot read the key in '{path}': {ex.Message}", ex);
        }
        return items;
    }

    private static string ReadText(string path)
    {
        if (!File.Exists(path))
            throw new MailSecurityException(SecurityErrors.DkimKeyNotFound, $"Key file '{path}' not found.");
        return File.ReadAllText(path);
    }

    /// <summary>MimeKit's parser of the TXT record's tags (v=, k=, p=): a protected static of its locator base class.</summary>
    internal sealed class TxtRecordKey : DkimPublicKeyLocatorBase
    {
        private TxtRecordKey() { }

        public static AsymmetricKeyParameter Parse(string txt, string source)
        {
            if (System.Text.RegularExpressions.Regex.IsMatch(txt, @"(^|;)\s*p\s*=\s*(;|$)"))
                throw new DkimKeyLookupException($"The DKIM key at {source} is revoked (empty p=).");
            try
            {
                return GetPublicKey(txt);
            }
            catch (Exception ex)
            {
                throw new DkimKeyLookupException($"The DKIM key record at {source} is not valid: {ex.Message}", ex);
            }
        }

        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, System.Threading.CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public override System.Threading.Tasks.Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, System.Threading.CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}

/// <summary>The verifying key could not be found or used; verification reports it as the reason.</summary>
public sealed class DkimKeyLookupException : Exception
{
    public DkimKeyLookupException(string message, Exception? inner = null) : base(message, inner) { }
}
