# bash completion for spasm-index, spasm-search, spasm-serve, spasm-eval and
# spasm-inspect.
#
# Installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/spasm-{index,search,serve,eval,inspect}
# (bash-completion loads it the first time one of them is completed), or
# sourced by hand: `. completion/spasm.bash`.
#
# The options come from the program's own --help (so they never drift from
# it); the values of the options that take one are completed here: file
# and folder names, formats, and the few fixed words.

# Print the long and short options that PROG's --help lists, one a line.
_spasm_options()
{
    # the option column of lines that start with spaces and a dash, cut
    # where the description starts (two spaces)
    "$1" --help 2>/dev/null | grep -E '^ +-' | sed -E 's/^ +//; s/  .*$//' |
        grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | sed -E 's/^[ ,]//' | sort -u
}

# Complete the word under the cursor for spasm-index, spasm-search,
# spasm-serve or spasm-eval (COMP_WORDS[0]).
_spasm()
{
    local cur prev prog
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    prog=${COMP_WORDS[0]}
    COMPREPLY=()
    case $prev in
    --format)
        COMPREPLY=($(compgen -W 'text json trec' -- "$cur"))
        return
        ;;
    --group)
        COMPREPLY=($(compgen -W 'doc' -- "$cur"))
        return
        ;;
    --color)
        COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
        return
        ;;
    --stdin-format)
        COMPREPLY=($(compgen -W 'jsonl text auto' -- "$cur"))
        return
        ;;
    -i | --index | -o | --output | -f | --file | --info | --ids-from | --token-file | --synonyms)
        # an index is a file (format 1) or a folder (a live index)
        COMPREPLY=($(compgen -f -- "$cur"))
        compopt -o filenames 2>/dev/null
        return
        ;;
    -k | --top | --offset | --k1 | --b | -m | --memory | -j | --threads | --run-tag | -l | --listen | \
        --synonym-weight | --family-weight | \
        -t | --max-request-bytes | --max-body-bytes | --max-query-bytes | --max-k | --max-offset | \
        --time-budget | --max-connections | --max-queue | --idle-timeout | --drain-timeout | --cors | \
        --doc | --term | --limit | --title-weight | --proximity | \
        --feedback-terms | --feedback-docs | --feedback-weight | --bm25-delta)
        return # a value of the user's own
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_spasm_options "$prog")" -- "$cur"))
        return
    fi
    if [[ $prog == *spasm-index || $prog == *spasm-eval || $prog == *spasm-inspect ]]; then
        # spasm-index's inputs (files, folders, FIFOs); spasm-eval's QRELS RUN; the INDEX to inspect
        COMPREPLY=($(compgen -f -- "$cur"))
        compopt -o filenames 2>/dev/null
    fi
    # spasm-search: query words are the user's own
}

complete -F _spasm spasm-index spasm-search spasm-serve spasm-eval spasm-inspect
