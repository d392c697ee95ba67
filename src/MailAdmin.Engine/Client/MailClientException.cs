using System;

namespace MailAdmin.Client;

/// <summary>What went wrong, in words a script can branch on; the cmdlets map it to an ErrorCategory.</summary>
public enum MailClientFailure
{
    ConnectFailed,
    TlsFailed,
    AuthenticationFailed,
    ConnectionLost,
    Timeout,
    CommandFailed,
    RecipientRefused,
    FolderNotFound,
    MessageNotFound,
    NotSupported,
}

/// <summary>
/// A client operation failed. <see cref="ErrorId"/> is the stable id the cmdlets put on the
/// ErrorRecord (e.g. ImapAuthenticationFailed); the server's reply travels along.
/// </summary>
public sealed class MailClientException : Exception
{
    public MailClientException(MailClientProtocol protocol, MailClientFailure failure, string message, Exception? inner = null, int? replyCode = null, string? serverReply = null)
        : base(message, inner)
    {
        Protocol = protocol;
        Failure = failure;
        ReplyCode = replyCode;
        ServerReply = serverReply;
    }

    public MailClientProtocol Protocol { get; }
    public MailClientFailure Failure { get; }

    /// <summary>The SMTP reply code, when the server gave one.</summary>
    public int? ReplyCode { get; }

    /// <summary>The server's reply text, when there was one.</summary>
    public string? ServerReply { get; }

    public string ErrorId => Protocol.ToString() + Failure.ToString();
}
