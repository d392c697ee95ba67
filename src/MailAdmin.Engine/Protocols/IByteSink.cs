using System;

namespace MailAdmin.Protocols;

/// <summary>Where decoded message bytes go as they arrive (a buffer, or a store's incoming file).</summary>
public interface IByteSink
{
    void Write(ReadOnlySpan<byte> data);
}
