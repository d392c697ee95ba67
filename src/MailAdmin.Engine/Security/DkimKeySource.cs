using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using MailAdmin.Messages;
using MimeKit.Cryptography;

namespace MailAdmin.Security;

/// <summary>
/// Where Test-DkimSignature finds the key: a file, or DNS. Our own type, so that the cmdlet
/// names no MimeKit type (see <see cref="DkimKey"/>).
/// </summary>
public sealed class DkimKeySource
{
    private readonly IDkimPublicKeyLocator _locator;

    private DkimKeySource(IDkimPublicKeyLocator locator) => _locator = locator;

    /// <summary>Every signature is checked with this key.</summary>
    public static DkimKeySource FromKey(DkimKey key) =>
        new DkimKeySource(new FixedDkimKeyLocator((key ?? throw new ArgumentNullException(nameof(key))).Parameter));

    /// <summary>The key record in DNS, asking <paramref name="server"/> (null: the system's resolvers).</summary>
    public static DkimKeySource FromDns(IPEndPoint? server) => new DkimKeySource(new DnsDkimKeyLocator(server));

    /// <summary>One result per DKIM-Signature of <paramref name="message"/> (see <see cref="DkimVerification"/>).</summary>
    public IReadOnlyList<DkimVerificationResult> Verify(MailMessage message, CancellationToken cancellationToken = default) =>
        DkimVerification.Verify(message, _locator, cancellationToken);
}
