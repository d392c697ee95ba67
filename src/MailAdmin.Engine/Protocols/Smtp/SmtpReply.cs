using System;
using System.Collections.Generic;
using System.Text;

namespace MailAdmin.Protocols.Smtp;

/// <summary>An SMTP reply (RFC 5321 §4.2): a three-digit code, an optional enhanced status code
/// (RFC 3463, sent per RFC 2034) and one or more lines of text.</summary>
public sealed class SmtpReply
{
    public SmtpReply(int code, string? enhancedCode, params string[] lines)
    {
        if (code < 200 || code > 599) throw new ArgumentOutOfRangeException(nameof(code));
        Code = code;
        EnhancedCode = enhancedCode;
        Lines = lines.Length == 0 ? new[] { "" } : lines;
    }

    public int Code { get; }
    /// <summary>"class.subject.detail", e.g. "5.1.1"; null for replies that carry none (greeting, EHLO).</summary>
    public string? EnhancedCode { get; }
    public IReadOnlyList<string> Lines { get; }

    public bool IsPositive => Code < 400;
    public bool IsTransientFailure => Code >= 400 && Code < 500;
    public bool IsPermanentFailure => Code >= 500;

    /// <summary>Writes the reply in wire form: "250-first", ..., "250 last", each ending CRLF.</summary>
    public void WriteTo(ByteBuffer output)
    {
        for (int i = 0; i < Lines.Count; i++)
        {
            Span<byte> head = stackalloc byte[4];
            head[0] = (byte)('0' + Code / 100);
            head[1] = (byte)('0' + Code / 10 % 10);
            head[2] = (byte)('0' + Code % 10);
            head[3] = (byte)(i == Lines.Count - 1 ? ' ' : '-');
            output.Append(head);
            if (EnhancedCode != null)
            {
                output.AppendText(EnhancedCode);
                output.Append((byte)' ');
            }
            output.AppendText(Lines[i]);
            output.Append((byte)'\r');
            output.Append((byte)'\n');
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Lines.Count; i++)
        {
            sb.Append(Code).Append(i == Lines.Count - 1 ? ' ' : '-');
            if (EnhancedCode != null) sb.Append(EnhancedCode).Append(' ');
            sb.Append(Lines[i]);
            if (i < Lines.Count - 1) sb.Append("\r\n");
        }
        return sb.ToString();
    }

    // Commonly used replies. Text wording is ours; codes follow RFC 5321 §4.2 and RFC 3463.
    public static readonly SmtpReply Ok = new(250, "2.0.0", "OK");
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Sender OK");
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Recipient OK");
    public static readonly SmtpReply ResetOk = new(250, "2.0.0", "Reset OK");
    public static readonly SmtpReply StartData = new(354, null, "Start mail input; end with <CRLF>.<CRLF>");
    public static readonly SmtpReply CannotVerify = new(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply ReadyForTls = new(220, "2.0.0", "Ready to start TLS");
    public static readonly SmtpReply AuthSucceeded = new(235, "2.7.0", "Authentication successful");
    public static readonly SmtpReply SyntaxError = new(500, "5.5.2", "Syntax error, command unrecognized");
    public static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Line too long");
    public static readonly SmtpReply ParameterSyntax = new(501, "5.5.4", "Syntax error in parameters or arguments");
    public static readonly SmtpReply AddressSyntax = new(501, "5.1.3", "Bad address syntax");
    public static readonly SmtpReply NotImplemented = new(502, "5.5.1", "Command not implemented");
    public static readonly SmtpReply HeloFirst = new(503, "5.5.1", "Bad sequence of commands: send EHLO/HELO first");
    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Bad sequence of commands");
    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Bad sequence of commands: sender already specified");
    public static readonly SmtpReply NeedMail = new(503, "5.5.1", "Bad sequence of commands: need MAIL first");
    public static readonly SmtpReply NeedRcpt = new(503, "5.5.1", "Bad sequence of commands: need RCPT first");
    public static readonly SmtpReply DataAfterBdat = new(503, "5.5.1", "Bad sequence of commands: DATA cannot follow BDAT");
    public static readonly SmtpReply AlreadyAuthenticated = new(503, "5.5.1", "Already authenticated");
    public static readonly SmtpReply AlreadyTls = new(503, "5.5.1", "TLS already active");
    public static readonly SmtpReply MechanismNotSupported = new(504, "5.5.4", "Unrecognized authentication mechanism");
    public static readonly SmtpReply AuthCancelled = new(501, "5.0.0", "Authentication cancelled");
    public static readonly SmtpReply AuthBadBase64 = new(501, "5.5.2", "Cannot decode response");
    public static readonly SmtpReply AuthFailed = new(535, "5.7.8", "Authentication credentials invalid");
    public static readonly SmtpReply AuthRequired = new(530, "5.7.0", "Authentication required");
    public static readonly SmtpReply TlsRequiredForAuth = new(538, "5.7.11", "Encryption required for requested authentication mechanism");
    public static readonly SmtpReply TlsNotAvailable = new(454, "4.7.0", "TLS not available");
    public static readonly SmtpReply UnknownParameter = new(555, "5.5.4", "MAIL FROM/RCPT TO parameter not recognized or not implemented");
    public static readonly SmtpReply BadParameterValue = new(501, "5.5.4", "Invalid parameter value");
    public static readonly SmtpReply UnknownUser = new(550, "5.1.1", "Mailbox unavailable: no such user here");
    public static readonly SmtpReply RelayDenied = new(554, "5.7.1", "Relay access denied");
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Too many recipients");
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds fixed maximum message size");
    public static readonly SmtpReply BareLineEnding = new(550, "5.5.2", "Message contains bare CR or LF; lines must end with CRLF");
    public static readonly SmtpReply NonAsciiAddress = new(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "No valid recipients");
    public static readonly SmtpReply LocalError = new(451, "4.3.0", "Local error in processing; try again later");
    public static readonly SmtpReply ShuttingDown = new(421, "4.3.2", "Service shutting down, closing transmission channel");
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Too many errors, closing transmission channel");
    public static readonly SmtpReply Timeout = new(421, "4.4.2", "Timeout exceeded, closing transmission channel");
    public static readonly SmtpReply TooManyConnections = new(421, "4.7.0", "Too many connections, try again later");
    public static readonly SmtpReply Obsolete = new(502, "5.5.1", "Command not implemented (obsolete)");
    public static readonly SmtpReply ExpnDisabled = new(502, "5.5.1", "EXPN not available");
    public static readonly SmtpReply BodyTypeSyntax = new(501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
    public static readonly SmtpReply MixedChunking = new(503, "5.5.1", "Bad sequence of commands: BDAT and DATA cannot be mixed");
}
