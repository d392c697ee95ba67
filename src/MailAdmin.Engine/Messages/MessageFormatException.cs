using System;

namespace MailAdmin.Messages;

/// <summary>The bytes given are not an RFC 5322 message (nor an mbox of them).</summary>
public sealed class MessageFormatException : FormatException
{
    public MessageFormatException(string message, Exception? inner = null) : base(message, inner) { }
}
