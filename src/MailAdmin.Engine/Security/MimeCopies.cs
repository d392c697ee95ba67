using System.IO;
using MailAdmin.Messages;
using MimeKit;

namespace MailAdmin.Security;

/// <summary>
/// The two conversions the signing code needs: a private, mutable MimeMessage from a
/// MailMessage (never the message's own cached parse, which others share), and the wire
/// bytes (CRLF line ends, as SMTP sends them) of a signed or encrypted result.
/// </summary>
internal static class MimeCopies
{
    public static readonly FormatOptions Wire = CreateWireOptions();

    public static MimeMessage Parse(MailMessage message) => MessageParser.Parse(message.GetBytes());

    public static byte[] ToWireBytes(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(Wire, buffer);
        return buffer.ToArray();
    }

    public static MailMessage ToMailMessage(MimeMessage message, MessageOrigin origin) =>
        MailMessage.FromBytes(ToWireBytes(message), origin);

    private static FormatOptions CreateWireOptions()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }
}
