using System;

namespace MailAdmin.Health;

/// <summary>The server said something the protocol does not allow at this point.</summary>
internal sealed class ProtocolViolation : Exception
{
    public ProtocolViolation(string message) : base(message) { }
}
