using System;
using System.IO;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailAdmin.Client;

/// <summary>Turns what MailKit and the network throw into a <see cref="MailClientException"/>.</summary>
public static class MailClientErrors
{
    /// <param name="certificateProblem">What the certificate check found (see TlsVerdict), when it failed: the real cause of a failed handshake.</param>
    public static MailClientException Classify(MailClientProtocol protocol, Exception error, string server, bool connecting = false, string? certificateProblem = null)
    {
        if (error is MailClientException known) return known;
        if (error is AggregateException aggregate && aggregate.InnerExceptions.Count == 1)
            return Classify(protocol, aggregate.InnerException!, server, connecting, certificateProblem);

        switch (error)
        {
            case SslHandshakeException _ when certificateProblem != null:
            case System.Security.Authentication.AuthenticationException _ when certificateProblem != null:
                return new MailClientException(protocol, MailClientFailure.TlsFailed, $"The TLS handshake with {server} failed: {certificateProblem}", error);
            case SslHandshakeException _:
            case System.Security.Authentication.AuthenticationException _:
                return new MailClientException(protocol, MailClientFailure.TlsFailed, $"The TLS handshake with {server} failed: {TlsReason(error)}", error);
            case MailKit.Security.AuthenticationException _:
                return new MailClientException(protocol, MailClientFailure.AuthenticationFailed, $"{server} refused the login: {error.Message}", error, serverReply: error.Message);
            case SmtpCommandException smtp when smtp.ErrorCode == SmtpErrorCode.RecipientNotAccepted:
                return new MailClientException(protocol, MailClientFailure.RecipientRefused, $"{server} refused recipient {smtp.Mailbox}: {(int)smtp.StatusCode} {smtp.Message}", error, (int)smtp.StatusCode, smtp.Message);
            case SmtpCommandException smtp:
                return new MailClientException(protocol, MailClientFailure.CommandFailed, $"{server} answered {(int)smtp.StatusCode} {smtp.Message}", error, (int)smtp.StatusCode, smtp.Message);
            case FolderNotFoundException folder:
                return new MailClientException(protocol, MailClientFailure.FolderNotFound, $"There is no folder '{folder.FolderName}' on {server}.", error);
            case ImapCommandException imap:
                return new MailClientException(protocol, MailClientFailure.CommandFailed, $"{server} answered {imap.Response}: {imap.ResponseText}", error, serverReply: imap.ResponseText);
            case Pop3CommandException pop:
                return new MailClientException(protocol, MailClientFailure.CommandFailed, $"{server} answered -ERR {pop.StatusText}", error, serverReply: pop.StatusText);
            case TimeoutException _:
                return new MailClientException(protocol, MailClientFailure.Timeout, $"{server} did not answer in time.", error);
            case OperationCanceledException _:
                throw error; // Ctrl+C: not a failure of the server.
            case NotSupportedException _:
                return new MailClientException(protocol, MailClientFailure.NotSupported, $"{server}: {error.Message}", error);
            case SocketException socket when connecting:
                return new MailClientException(protocol, MailClientFailure.ConnectFailed, $"Cannot connect to {server}: {socket.Message}", error);
            case SocketException _:
            case IOException _:
            case ServiceNotConnectedException _:
            case ImapProtocolException _:
            case Pop3ProtocolException _:
            case SmtpProtocolException _:
                return new MailClientException(protocol, connecting ? MailClientFailure.ConnectFailed : MailClientFailure.ConnectionLost,
                    (connecting ? $"Cannot talk to {server}: " : $"The connection to {server} was lost: ") + FirstLine(error.Message), error);
            default:
                return new MailClientException(protocol, MailClientFailure.CommandFailed, $"{server}: {error.Message}", error);
        }
    }

    /// <summary>The innermost reason (e.g. "certificate chain: UntrustedRoot"), which MailKit's long message buries.</summary>
    private static string TlsReason(Exception error)
    {
        var inner = error;
        while (inner.InnerException != null) inner = inner.InnerException;
        var reason = FirstLine(inner.Message);
        if (reason.IndexOf("certificate", StringComparison.OrdinalIgnoreCase) >= 0)
            reason += " (for a lab server with a self-signed certificate, -SkipCertificateCheck accepts it)";
        return reason;
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(new[] { '\r', '\n' });
        return end < 0 ? text : text.Substring(0, end);
    }
}
