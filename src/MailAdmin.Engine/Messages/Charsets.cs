using System;
using System.Text;

namespace MailAdmin.Messages;

/// <summary>Encodings by name, including the legacy code pages of old mail (windows-125x, koi8-r, ...).</summary>
public static class Charsets
{
    private static readonly Lazy<bool> Registered = new Lazy<bool>(() =>
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return true;
    });

    /// <summary>Encoding.GetEncoding, with the code-page provider registered first.</summary>
    public static Encoding Get(string name)
    {
        _ = Registered.Value;
        return Encoding.GetEncoding(name);
    }

    public static Encoding Get(int codePage)
    {
        _ = Registered.Value;
        return Encoding.GetEncoding(codePage);
    }
}
