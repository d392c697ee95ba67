using System.Text;

namespace MailAdmin.Protocols.Sasl;

/// <summary>GS2/SCRAM "saslname" (RFC 5801 §4, RFC 5802 §5.1): "," is sent as "=2C" and "=" as "=3D"; any other "=" is invalid.</summary>
internal static class SaslNames
{
    /// <summary>The decoded name, or null when it is malformed.</summary>
    public static string? Decode(string value)
    {
        if (value.IndexOf('=') < 0) return value.IndexOf(',') < 0 ? value : null;
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == ',') return null;
            if (c != '=') { sb.Append(c); continue; }
            if (i + 2 >= value.Length) return null;
            var code = value.Substring(i + 1, 2);
            if (code == "2C") sb.Append(',');
            else if (code == "3D") sb.Append('=');
            else return null;
            i += 2;
        }
        return sb.ToString();
    }
}
