using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace MailAdmin.Store;

/// <summary>Turns a SecureString into UTF-8 bytes for hashing, clearing the intermediate copies.</summary>
internal static class SecretText
{
    internal static byte[] ToUtf8(SecureString secure)
    {
        if (secure is null) throw new ArgumentNullException(nameof(secure));
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        var chars = new char[secure.Length];
        try
        {
            Marshal.Copy(ptr, chars, 0, chars.Length);
            return Encoding.UTF8.GetBytes(chars);
        }
        finally
        {
            Array.Clear(chars, 0, chars.Length);
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }
}
