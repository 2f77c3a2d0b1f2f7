"""Capital protection at its edges: which words a style may lowercase, and which not."""

from __future__ import annotations

import pytest

from difbib.library.latex import protect_capitals


@pytest.mark.parametrize(
    ("title", "protected"),
    [
        # a lone capital is a name (Model X), but not the article or pronoun
        ("Model X Reaches", "Model {X} Reaches"),
        ("A Model of B", "A Model of {B}"),
        ("I Know, Model A", "I Know, Model A"),
        ("Z-Image: X", "{Z-Image}: {X}"),
        # inner capitals and digits
        ("Use iPhone and 3D in 2024", "Use {iPhone} and {3D} in 2024"),
        ("x-Y", "{x-Y}"),
        ("Plain lowercase words", "Plain lowercase words"),
        # a title's own name (before a colon) is kept whole; elsewhere a leading acronym
        # is protected alone
        ("IO-Net: Fast", "{IO-Net}: Fast"),
        ("Fast IO-Net", "Fast {IO}-Net"),
        ("ID-GAN Model", "{ID}-{GAN} Model"),
        # what the user or LaTeX already controls is left alone
        (r"\emph{DMD} Rocks \% GAN", r"\emph{DMD} Rocks \% {GAN}"),
        ("{Some DMD words} DMD", "{Some DMD words} {DMD}"),
        ("Nested {a {DMD}} b DMD", "Nested {a {DMD}} b {DMD}"),
        ("$x DMD", "$x DMD"),  # an unclosed math group runs to the end
        ("$x$ DMD $y$", "$x$ {DMD} $y$"),
        ("", ""),
    ],
)
def test_protection_edges(title, protected):
    assert protect_capitals(title) == protected
    assert protect_capitals(protected) == protected


def test_without_auto_only_the_terms_are_protected():
    assert protect_capitals("DMD and Qwen", ["Qwen", "  ", ""], auto=False) == "DMD and {Qwen}"
    assert protect_capitals("DMD and Qwen", [], auto=False) == "DMD and Qwen"


def test_longer_terms_win_and_a_shorter_one_is_still_found_alone():
    terms = ["FLUX.1", "FLUX.1 Kontext"]
    got = protect_capitals("FLUX.1 Kontext and FLUX.1 alone", terms)
    assert got == "{FLUX.1 Kontext} and {FLUX.1} alone"
    assert protect_capitals(got, terms) == got


def test_terms_are_whole_words_outside_user_groups_and_math():
    got = protect_capitals(
        "SuperFLUX.1 Kontext, {my FLUX.1 Kontext}, $FLUX.1 Kontext$", ["FLUX.1 Kontext"]
    )
    assert got == "{SuperFLUX}.1 Kontext, {my FLUX.1 Kontext}, {$FLUX.1 Kontext$}"
    assert protect_capitals("Qwen-Image and Qwen", ["Qwen-Image"]) == "{Qwen-Image} and Qwen"
    assert protect_capitals("qwen and Qwen", ["Qwen"], auto=False) == "qwen and {Qwen}"


def test_math_left_open_runs_to_the_end_and_gets_no_braces():
    # An unclosed $ (a typo) makes the rest math: nothing in it is braced, not even a
    # lone capital at the very end; what comes before it is protected as usual.
    assert protect_capitals("DMD bounds $O(N) for N") == "{DMD} bounds $O(N) for N"
    assert protect_capitals("Rates $x Z") == "Rates $x Z"


def test_control_sequences_and_stray_backslashes_are_kept_as_written():
    assert protect_capitals(r"A \& B, \'Ecole") == r"A \& {B}, \'Ecole"
    # A backslash at the end, or before a line break, is no crash.
    assert protect_capitals("Fast DMD \\") == "Fast {DMD} \\"
    assert protect_capitals("Fast \\\nDMD") == "Fast \\\n{DMD}"
    assert protect_capitals("Fast DMD \\", ["Qwen"], auto=False) == "Fast DMD \\"


def test_a_word_after_a_leading_group_is_not_the_first_word():
    # BibTeX keeps only the title's first character; after a braced group, the next
    # word's capital is lowercased like any other, so a lone capital there is braced
    # and a compound there is not the title's own name.
    assert protect_capitals("{DMD} X Explained") == "{DMD} {X} Explained"
    assert protect_capitals("{Fast} IO-Net: Serving") == "{Fast} {IO}-Net: Serving"


@pytest.mark.parametrize(
    ("title", "protected"),
    [
        # after the leading acronym comes a name, so the compound is a name: protected
        # whole, or a lowercasing style would print "mm-dit-turbo" or "{RGB}-depth-{VAE}"
        ("Training MM-DiT-Turbo Models", "Training {MM-DiT-Turbo} Models"),
        ("Training an RGB-Depth-VAE", "Training an {RGB-Depth-VAE}"),
        # only ordinary words after the leading acronyms: the acronyms alone
        ("Fast ID-GAN-Based Editing", "Fast {ID}-{GAN}-Based Editing"),
    ],
)
def test_compounds_with_a_leading_acronym(title, protected):
    assert protect_capitals(title) == protected
    assert protect_capitals(protected) == protected


def test_every_occurrence_of_a_term_is_protected_also_after_math():
    terms = ["FLUX.1 Kontext"]
    got = protect_capitals("FLUX.1 Kontext vs. FLUX.1 Kontext Pro", terms)
    assert got == "{FLUX.1 Kontext} vs. {FLUX.1 Kontext} Pro"
    # a closed $...$ before the term does not make the term math
    assert protect_capitals("$x$ and FLUX.1 Kontext", terms) == "$x$ and {FLUX.1 Kontext}"


def test_overlapping_terms_the_longer_one_is_braced_whole():
    # "Open Sora" and "Sora Plan v1" share "Sora": one group, the longer term's, and no
    # half group cutting through it.
    got = protect_capitals("Comparing Open Sora Plan v1", ["Open Sora", "Sora Plan v1"])
    assert got == "Comparing Open {Sora Plan v1}"


def test_export_rejoins_a_term_that_sync_protected_word_by_word():
    # sync once protected with the term "Kontext" alone; export, which only adds terms,
    # now finds "FLUX.1 Kontext" through those braces and braces it as one group.
    got = protect_capitals("{FLUX}.1 {Kontext}: Flow", ["FLUX.1 Kontext"], auto=False)
    assert got == "{FLUX.1 Kontext}: Flow"


@pytest.mark.parametrize(
    ("title", "protected"),
    [
        # BibTeX lowercases a control word outside braces: \LaTeX would become the
        # undefined \latex (a build error), a user's \DMD the undefined \dmd. Braced, it
        # is a BibTeX "special character", whose command name no style changes.
        (r"Using \LaTeX for DMD", r"Using {\LaTeX} for {DMD}"),
        (r"\DMD and GAN", r"{\DMD} and {GAN}"),  # a macro, not a word
        (r"See \S 3 and \TeX{}", r"See {\S} 3 and {\TeX}{}"),
        # the letters BibTeX lowercases itself stay as written (a brace would also
        # print the space that ends the command: "Å ngstr")
        (r"The \AA ngstr\"om Scale, \O resund", r"The \AA ngstr\"om Scale, \O resund"),
        (r"\emph{lower} \textbf{x}", r"\emph{lower} \textbf{x}"),
        # BibTeX lowercases math as well: $O(N)$ would print as $o(n)$, $\Gamma$ as $\gamma$
        (r"Attention in $O(N)$ Time", r"Attention in {$O(N)$} Time"),
        (r"A $\Gamma$-Convergence View", r"A {$\Gamma$}-Convergence View"),
        (r"Rates $x^2$ and $$ Here", r"Rates $x^2$ and $$ Here"),  # nothing to lowercase
        # inside a group the user braced, nothing changes
        (r"{Using \LaTeX in $O(N)$}", r"{Using \LaTeX in $O(N)$}"),
    ],
)
def test_math_and_control_words_with_capitals_are_braced(title, protected):
    assert protect_capitals(title) == protected
    assert protect_capitals(protected) == protected


def test_export_adds_only_terms_even_to_math_and_control_words():
    # export (auto=False) leaves a hand-edited title's TeX as the user wrote it
    title = r"\LaTeX in $O(N)$ for Model X with Qwen"
    got = protect_capitals(title, ["Qwen"], auto=False)
    assert got == r"\LaTeX in $O(N)$ for Model X with {Qwen}"
