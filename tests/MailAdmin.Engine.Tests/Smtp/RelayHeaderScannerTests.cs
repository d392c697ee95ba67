using System.Text;
using MailAdmin.Protocols.Smtp;
using Xunit;

namespace MailAdmin.Engine.Tests.Smtp;

public class RelayHeaderScannerTests
{
    private static string Message(int received) =>
        "Return-Path: <a@b.example>\r\n"
        + string.Concat(Enumerable.Range(0, received).Select(i => $"Received: from h{i}.example\r\n\tby x.example; Mon, 1 Jan 2024 10:00:00 +0000\r\n"))
        + "X-Note: Received: not a field name\r\n"
        + "X-Received: by another name\r\n"
        + "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n from afar\r\n"
        + "Message-ID:\r\n <abc.123@b.example>\r\n"
        + "RECEIVED : obsolete spacing counts too\r\n"
        + "\r\n"
        + "Received: in the body, not counted\r\n";

    private static SmtpHeaderScanner Scan(byte[] bytes, int chunk)
    {
        var s = new SmtpHeaderScanner();
        for (int i = 0; i < bytes.Length; i += chunk) s.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        return s;
    }

    [Fact]
    public void CountsReceivedFieldsOfTheHeaderOnlyAtAnySplit()
    {
        var bytes = Encoding.UTF8.GetBytes(Message(51));
        foreach (int chunk in new[] { 1, 2, 3, 7, 64, bytes.Length })
        {
            var s = Scan(bytes, chunk);
            Assert.True(s.HeaderComplete);
            Assert.Equal(52, s.ReceivedCount);
            Assert.Equal("abc.123@b.example", s.MessageId);
            Assert.Equal("Grüße from afar", s.Subject);
            Assert.Equal("Return-Path: <a@b.example>\r\n".Length, s.LeadingReturnPathLength);
        }
    }

    [Fact]
    public void NoSuchFieldsAndAnUnfinishedHeader()
    {
        var s = Scan(Encoding.ASCII.GetBytes("From: a@b.example\r\nReturn-Path: <late@b.example>\r\nReceived: x\r\n"), 5);
        Assert.False(s.HeaderComplete);
        Assert.Equal(1, s.ReceivedCount);
        Assert.Null(s.MessageId);
        Assert.Null(s.Subject);
        Assert.Equal(0, s.LeadingReturnPathLength);   // only a first Return-Path is ours
    }

    [Fact]
    public void KeepsTheFirstValueBounded()
    {
        var s = Scan(Encoding.ASCII.GetBytes("Subject: one\r\nSubject: two\r\nMessage-ID: <" + new string('x', 5000) + ">\r\n\r\n"), 100);
        Assert.Equal("one", s.Subject);
        Assert.True(s.MessageId!.Length < 1000);
    }

    [Fact]
    public void AnEightBitSubjectIsUtf8()
    {
        var s = Scan(Encoding.UTF8.GetBytes("Subject:  Größe\r\n\r\n"), 3);
        Assert.Equal("Größe", s.Subject);
    }
}
