using System;
using System.Globalization;
using System.Text;

namespace MailAdmin.Hosting.Http;

/// <summary>
/// The API's message ID: account, folder, UIDVALIDITY and UID, base64url-encoded so it is one
/// opaque, URL-safe path segment. A UID is never reused within a UIDVALIDITY, so an ID never
/// names another message later.
/// </summary>
internal readonly struct ApiMessageId
{
    public ApiMessageId(string account, string folder, uint uidValidity, uint uid)
    {
        Account = account;
        Folder = folder;
        UidValidity = uidValidity;
        Uid = uid;
    }

    public string Account { get; }
    public string Folder { get; }
    public uint UidValidity { get; }
    public uint Uid { get; }

    public override string ToString()
    {
        var text = string.Join("\n", Account, Folder, UidValidity.ToString(CultureInfo.InvariantCulture), Uid.ToString(CultureInfo.InvariantCulture));
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryParse(string id, out ApiMessageId result)
    {
        result = default;
        if (string.IsNullOrEmpty(id) || id.Length > 1000) return false;
        var base64 = id.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - base64.Length % 4) % 4);
        string text;
        try { text = Encoding.UTF8.GetString(Convert.FromBase64String(base64)); }
        catch (FormatException) { return false; }
        var parts = text.Split('\n');
        if (parts.Length != 4
            || !uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uidValidity)
            || !uint.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            return false;
        result = new ApiMessageId(parts[0], parts[1], uidValidity, uid);
        return true;
    }
}
