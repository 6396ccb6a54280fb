"""The PDF standards a campaign can ask for (``pdf_standard``), and what each needs beyond
the WeasyPrint variant it is written with.

- ``pdf/a-3a+ua-1`` (the default): tagged, archival and accessible in one file. WeasyPrint
  writes PDF/A-3a (tagged PDF/A); the PDF/UA-1 identification (``pdfuaid:part``) and the
  extension schema that PDF/A requires for that property are added to its XMP metadata.
- ``pdf/a-3b``: archival, untagged: for whoever needs the smaller, untagged file.
- ``pdf/ua-1``: accessible (tagged), without the PDF/A claim.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Standard:
    """How a standard is written: WeasyPrint's variant, and whether the PDF/UA-1
    identification is added to the PDF/A metadata."""

    weasyprint_variant: str
    ua_in_pdf_a: bool = False
    tagged: bool = True
    """Whether the PDF has a structure tree (and so needs every image's text alternative)."""


STANDARDS = {
    "pdf/a-3a+ua-1": Standard("pdf/a-3a", ua_in_pdf_a=True),
    "pdf/a-3b": Standard("pdf/a-3b", tagged=False),
    "pdf/ua-1": Standard("pdf/ua-1"),
}
DEFAULT_STANDARD = "pdf/a-3a+ua-1"

PDFUA_IDENTIFICATION = b"""<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" \
xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" rdf:about=""><pdfuaid:part>1</pdfuaid:part>\
</rdf:Description>
<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" \
xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" \
xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#" rdf:about="">\
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">\
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">\
<pdfaProperty:name>part</pdfaProperty:name>\
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed\
</pdfaProperty:description>\
</rdf:li></rdf:Seq></pdfaSchema:property>\
</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
"""
"""The PDF/UA-1 identification (ISO 14289-1, 5) and, since PDF/A allows in its metadata only
the properties of the standard schemas or of a declared extension (ISO 19005-3, 6.6.2.3),
the declaration of the ``pdfuaid`` schema: the text the PDF/UA Competence Center publishes."""


def add_ua_identification(pdf) -> None:
    """Add the PDF/UA-1 identification to the XMP metadata of a PDF/A ``pdf`` (pydyf)
    before WeasyPrint writes it out, inside its one ``rdf:RDF`` element."""
    reference = pdf.catalog["Metadata"]
    stream = pdf.objects[int(reference.split()[0])]
    data = b"".join(stream.stream)
    end = data.rindex(b"</rdf:RDF>")
    stream.stream = [data[:end] + PDFUA_IDENTIFICATION + data[end:]]
