using System.Collections.Generic;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace MailAdmin.Security;

/// <summary>What <see cref="DkimSignerService"/> signs with and how.</summary>
public sealed class DkimSignOptions
{
    /// <summary>
    /// The header fields signed by default, those RFC 6376 §5.4.1 recommends that a
    /// message usually has; fields a message lacks are left out of h=.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultHeaders = new[]
    {
        "From", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "In-Reply-To", "References",
    };

    public DkimSignOptions(string domain, string selector, AsymmetricKeyParameter privateKey)
    {
        Domain = domain;
        Selector = selector;
        PrivateKey = privateKey;
    }

    /// <summary>
    /// Options from the cmdlet's words: <paramref name="canonicalization"/> as in the c= tag
    /// ("relaxed/simple": header/body), <paramref name="headers"/> null for the defaults.
    /// For callers that must not name MimeKit or BouncyCastle types (MailAdmin.dll).
    /// </summary>
    public static DkimSignOptions Create(string domain, string selector, DkimKey privateKey, string canonicalization, IList<string>? headers, string? identity)
    {
        var parts = (canonicalization ?? "relaxed/relaxed").ToLowerInvariant().Split('/');
        var options = new DkimSignOptions(domain, selector, privateKey.Parameter)
        {
            HeaderCanonicalization = ParseCanonicalization(parts[0]),
            BodyCanonicalization = ParseCanonicalization(parts.Length > 1 ? parts[1] : "simple"),
            Identity = identity,
        };
        if (headers != null) options.Headers = headers;
        return options;
    }

    private static DkimCanonicalizationAlgorithm ParseCanonicalization(string name) =>
        name == "simple" ? DkimCanonicalizationAlgorithm.Simple : DkimCanonicalizationAlgorithm.Relaxed;

    /// <summary>The signing domain (d=).</summary>
    public string Domain { get; }

    /// <summary>The selector (s=): the key is published at selector._domainkey.domain.</summary>
    public string Selector { get; }

    public AsymmetricKeyParameter PrivateKey { get; }

    public IList<string> Headers { get; set; } = new List<string>(DefaultHeaders);

    public DkimCanonicalizationAlgorithm HeaderCanonicalization { get; set; } = DkimCanonicalizationAlgorithm.Relaxed;

    public DkimCanonicalizationAlgorithm BodyCanonicalization { get; set; } = DkimCanonicalizationAlgorithm.Relaxed;

    /// <summary>The agent or user identifier (i=), e.g. @sub.example.com; none by default.</summary>
    public string? Identity { get; set; }
}
