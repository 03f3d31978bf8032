# Counts read as 3,335,896 on this portal, as in the programme's own
# reports and in the vote's answer (Django's zh_Hans default prints
# 3335896: no separator, grouping by 万).
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
