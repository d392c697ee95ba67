using System.IO;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;

namespace MailAdmin.Hosting;

/// <summary>The server side of a TLS handshake, shared by every protocol's connection (STARTTLS,
/// STLS, implicit TLS): TLS 1.2 and 1.3 only, no client certificate, no revocation check.</summary>
internal static class ServerTls
{
    /// <summary>TLS 1.2 and 1.3 (1.3 has no named member in netstandard2.0).</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | (SslProtocols)12288;

    /// <summary>Runs the handshake over <paramref name="inner"/> (which the returned stream then owns).</summary>
    public static async Task<SslStream> AuthenticateAsync(Stream inner, X509Certificate2 certificate)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(certificate, false, Protocols, false).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            ssl.Dispose();
            throw;
        }
    }
}
