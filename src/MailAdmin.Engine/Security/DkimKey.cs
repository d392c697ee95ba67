using Org.BouncyCastle.Crypto;

namespace MailAdmin.Security;

/// <summary>
/// A DKIM key read from a file, behind our own type: the cmdlets hold it between
/// BeginProcessing and the messages without naming BouncyCastle, which on PowerShell 7
/// loads in the module's own load context (see src/MailAdmin.Loader).
/// </summary>
public sealed class DkimKey
{
    private DkimKey(AsymmetricKeyParameter parameter) => Parameter = parameter;

    internal AsymmetricKeyParameter Parameter { get; }

    public bool IsPrivate => Parameter.IsPrivate;

    /// <summary>A private key to sign with (see <see cref="DkimKeys.ReadPrivateKey"/>).</summary>
    public static DkimKey ReadPrivate(string path) => new DkimKey(DkimKeys.ReadPrivateKey(path));

    /// <summary>A public key to verify with (see <see cref="DkimKeys.ReadPublicKey"/>).</summary>
    public static DkimKey ReadPublic(string path) => new DkimKey(DkimKeys.ReadPublicKey(path));
}
