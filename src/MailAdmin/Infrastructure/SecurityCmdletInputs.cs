using System.IO;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using MailAdmin.Security;

namespace MailAdmin.Commands;

/// <summary>
/// Turns the certificate and key arguments of the S/MIME and DKIM cmdlets into engine
/// inputs: unwraps PSObjects and resolves relative paths against the PowerShell location
/// (not the process's current directory), then lets <see cref="CertificateLoader"/> read them.
/// </summary>
internal static class SecurityCmdletInputs
{
    public static object Resolve(PSCmdlet cmdlet, object value)
    {
        var item = value is PSObject wrapped ? wrapped.BaseObject : value;
        if (item is string text)
        {
            var full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(text);
            // A thumbprint is kept as it is unless a file of that name exists.
            return File.Exists(full) ? full : text;
        }
        return item;
    }

    public static X509Certificate2 WithKey(PSCmdlet cmdlet, object value, SecureString? password) =>
        CertificateLoader.LoadWithKey(Resolve(cmdlet, value), password == null ? null : new NetworkCredential(string.Empty, password).Password);

    public static X509Certificate2 Public(PSCmdlet cmdlet, object value) =>
        CertificateLoader.LoadPublic(Resolve(cmdlet, value));

    public static string Path(PSCmdlet cmdlet, string path) => cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>The ErrorRecord category for an engine security error id.</summary>
    public static ErrorCategory Category(string errorId) => errorId switch
    {
        SecurityErrors.CertificateNotFound or SecurityErrors.DkimKeyNotFound => ErrorCategory.ObjectNotFound,
        SecurityErrors.CertificateInvalid or SecurityErrors.DkimKeyInvalid or SecurityErrors.NoPrivateKey => ErrorCategory.InvalidArgument,
        SecurityErrors.DecryptFailed => ErrorCategory.SecurityError,
        SecurityErrors.NotProtected => ErrorCategory.InvalidData,
        _ => ErrorCategory.InvalidOperation,
    };
}
