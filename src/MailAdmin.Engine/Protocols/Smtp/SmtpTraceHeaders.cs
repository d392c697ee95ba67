using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace MailAdmin.Protocols.Smtp;

/// <summary>Return-Path and Received (RFC 5321 §4.4) trace lines, and transaction ids.</summary>
public static class SmtpTraceHeaders
{
    private static long _counter;
    private static readonly string Prefix = DateTime.UtcNow.Ticks.ToString("X");

    /// <summary>A unique, short transaction id.</summary>
    public static string NewId()
    {
        long n = Interlocked.Increment(ref _counter);
        return Prefix.Substring(Math.Max(0, Prefix.Length - 8)) + n.ToString("X6", CultureInfo.InvariantCulture);
    }

    /// <summary>The protocol keyword of a Received "with" clause (RFC 3848, RFC 6531).</summary>
    public static string ProtocolName(bool extended, bool utf8, bool secure, bool authenticated)
    {
        string p = utf8 ? "UTF8SMTP" : extended ? "ESMTP" : "SMTP";
        if (p == "SMTP") return p;   // RFC 3848 has no SMTPS/SMTPA
        return p + (secure ? "S" : "") + (authenticated ? "A" : "");
    }

    public static string AddressLiteral(IPAddress? ip)
    {
        if (ip == null) return "[unknown]";
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[IPv6:" + ip + "]" : "[" + ip + "]";
    }

    /// <summary>RFC 5322 date-time in UTC.</summary>
    public static string FormatDate(DateTimeOffset date)
        => date.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " +0000";

    /// <summary>Writes "Return-Path: &lt;from&gt;" (unless <paramref name="returnPath"/> is false) and the Received line, both CRLF-terminated.</summary>
    public static void Write(IByteSink output, SmtpEnvelope env, string hostName, string? remoteHostName, bool returnPath = true)
    {
        string forClause = env.Recipients.Count == 1 ? "\r\n\tfor <" + env.Recipients[0].Address + ">" : "";
        // TCP-info = address-literal / ( Domain FWS address-literal )   (RFC 5321 §4.4)
        string tcpInfo = (remoteHostName != null ? remoteHostName + " " : "") + AddressLiteral(env.RemoteEndPoint?.Address);
        string text = (returnPath ? "Return-Path: <" + env.From + ">\r\n" : "")
            + "Received: from " + env.HeloName + " (" + tcpInfo + ")\r\n\tby " + hostName + " with " + env.Protocol
            + " id " + env.Id + forClause + "; " + FormatDate(env.ReceivedAt) + "\r\n";
        output.Write(System.Text.Encoding.UTF8.GetBytes(text));
    }
}
