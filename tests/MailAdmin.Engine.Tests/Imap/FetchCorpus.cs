namespace MailAdmin.Engine.Tests.Imap;

/// <summary>Real-world-shaped messages (LF here; CRLF on the wire via FetchTestSupport.Bytes).</summary>
internal static class FetchCorpus
{
    public const string Plain = """
        Return-Path: <alice@example.com>
        Date: Mon, 7 Feb 1994 21:52:25 -0800
        From: Alice Example <alice@example.com>
        Subject: Hello there
        To: Bob <bob@example.org>, carol@example.net
        cc: "Doe, John" <john.doe@example.com>
        Message-ID: <1234@example.com>
        Content-Type: text/plain; charset=us-ascii

        Hi Bob,
        This is a test.

        """;

    public const string Alternative = """
        From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.de>
        To: team@example.com
        Subject: =?UTF-8?B?R3LDvMOfZQ==?=
        Date: Tue, 2 Jan 2024 10:00:00 +0100
        Message-ID: <alt-1@example.de>
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="alt-1"

        This is a multi-part message in MIME format.
        --alt-1
        Content-Type: text/plain; charset=UTF-8
        Content-Transfer-Encoding: quoted-printable

        Gr=C3=BC=C3=9Fe aus Berlin
        --alt-1
        Content-Type: text/html; charset=UTF-8
        Content-Transfer-Encoding: 8bit

        <p>Grüße aus Berlin</p>
        --alt-1--

        """;

    public const string Mixed = """
        From: Carol <carol@example.net>
        To: Alice <alice@example.com>
        Bcc: audit@example.net
        Subject: Report attached
        Date: Wed, 3 Jan 2024 08:30:00 +0000
        Message-ID: <mixed-1@example.net>
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="mix"

        --mix
        Content-Type: text/plain; charset=us-ascii

        See the report.
        --mix
        Content-Type: application/pdf; name="report.pdf"
        Content-Transfer-Encoding: base64
        Content-Disposition: attachment; filename="report.pdf"
        Content-ID: <pdf1@example.net>
        Content-Description: Quarterly report

        JVBERi0xLjQKJcfs
        --mix
        Content-Type: image/png
        Content-Transfer-Encoding: base64
        Content-Disposition: inline; filename*0="long"; filename*1="name.png"
        Content-Language: en, de
        Content-Location: http://example.net/a.png

        iVBORw0KGgo=
        --mix--

        """;

    public const string Forwarded = """
        From: Bob <bob@example.org>
        To: Alice <alice@example.com>
        Subject: Fwd: Hello there
        Date: Thu, 4 Jan 2024 12:00:00 -0500
        Message-ID: <fwd-1@example.org>
        In-Reply-To: <1234@example.com>
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        --outer
        Content-Type: text/plain

        See below.
        --outer
        Content-Type: message/rfc822

        From: Alice Example <alice@example.com>
        To: Bob <bob@example.org>
        Subject: Hello there
        Date: Mon, 7 Feb 1994 21:52:25 -0800
        Message-ID: <1234@example.com>
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="inner"

        --inner
        Content-Type: text/plain

        Hi Bob, the password is swordfish
        --inner
        Content-Type: text/html

        <b>Hi Bob</b>
        --inner--

        --outer--

        """;

    public const string EightBit = """
        From: Ümit <umit@example.com>
        To: "Team" <team@example.com>
        Subject: Grüße
        Date: Fri, 5 Jan 2024 09:15:00 +0100
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        Schöne Grüße
        aus Köln

        """;

    public const string Groups = """
        From: Newsletter <news@example.com>
        To: undisclosed-recipients:;
        Cc: Friends: anna@example.com, "Ben B." <ben@example.com>;, dave@example.com
        Subject: No date here
        Message-ID: <grp@example.com>

        Body.

        """;

    public const string BrokenNoBoundary = """
        From: broken@example.com
        Subject: Broken
        Content-Type: multipart/mixed

        --xyz
        Content-Type: text/plain

        lost
        --xyz--

        """;

    public const string BrokenBadType = """
        From: x@example.com
        Subject: Bad type
        Content-Type: text

        hello

        """;

    public const string BrokenBoundaryNeverSeen = """
        From: x@example.com
        Subject: Missing parts
        Content-Type: multipart/mixed; boundary="nothere"

        just text

        """;

    public const string Odd = """
        From: (the boss) <@relay.example,@hub.example:joe@example.com>
        Sender: joe@example.com (Joe Q. Public)
        Reply-To: "Quote \"me\"" <q@example.com>
        To: John Q. Public <jqp@example.com>, local-only
        Subject: He said "hi" \o/
         and folded
        X-Custom: one
        x-custom: two
        Date: Sat, 6 Jan 2024 23:59:59 +0000

        odd
        """;

    public const string QuotedPrintableLatin1 = """
        From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.fr>
        To: paul@example.fr
        Subject: =?iso-8859-1?q?caf=E9?=
        Date: Sun, 7 Jan 2024 08:00:00 +0100
        Content-Type: text/plain; charset=iso-8859-1
        Content-Transfer-Encoding: quoted-printable

        Un caf=E9 cr=E8me, s'il vous pla=EEt.

        """;
}
