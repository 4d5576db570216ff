/* HTTP status codes: the one table of reason phrases (RFC 9110) for every part of the suite. */
#ifndef SWGR_STATUS_H
#define SWGR_STATUS_H

/* The reason phrase of status, or NULL for a code the table does not hold. */
const char	*swgr_reason_phrase(long status);

#endif
